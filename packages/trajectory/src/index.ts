export { type AgentStep, type AgentTrajectory, parseAgentTrajectory } from "./agentnetbench.js";
export { pngSize } from "./png-size.js";
export { estimateTokens, type LayoutImage, type LayoutOptions, layoutTrajectory, type PromptSegment, type StepLayout } from "./prompt-layout.js";
export { mixSeed, SeededRandom } from "./random.js";
export { type SyntheticLayer, syntheticLayer, type SyntheticShape, uiTarsShape } from "./synthetic-layer.js";
