export { defaultBins, guessGrid, type MIBins, positionBins } from "./grid.js";
export { type GridSource, type GroupMI, groupMI, type GroupMIOptions } from "./group-mi.js";
export { miScore2d } from "./mi-score.js";
export { createMIPriorStage, initialPriorState, type OnlinePriorOptions, type OnlinePriorState, type PriorUpdate, updatePrior } from "./online-prior.js";
export { groupWeights, type WeightNormalisation } from "./weights.js";
export { valueRanks } from "./value-ranks.js";
