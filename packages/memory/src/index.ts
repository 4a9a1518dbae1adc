export { type MemoryPlan, type MemoryTerm, type PlanInput, type PlannedImage, planMemory } from "./memory-plan.js";
export { type ModelConfig, modelPresets, parseModelConfig, type VisionConfig } from "./model-config.js";
export { countParameters, countVisionParameters, type ParameterCount } from "./parameters.js";
