export { drawEvalEpisodes, evalLayoutSize, evalSeed, prepareEpisodes } from "./eval-set.js";
export { loadTestbedModel } from "./model-weights.js";
export { chromiumPath, type PixelBox, type RenderedScreen, renderScreens, type ScreenRequest } from "./render-screens.js";
export { type TrainingSetOptions, writeTrainingSet } from "./training-set.js";
export { defaultModelPath } from "./model-path.js";
export { captureAgentNetBench, type RealCaptureOptions } from "./real-captures.js";
