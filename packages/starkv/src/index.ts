export * from "@starkv/core";
export * from "@starkv/mi";
export * from "@starkv/sharpen";
export * from "@starkv/temporal";
export { createStarKV, starKVStages } from "./create-starkv.js";
export { referenceDefaults, type ResolvedStarKVOptions, resolveStarKVOptions, type StarKVOptions } from "./options.js";
export { fromReferenceSettings, type ReferenceConfig, type ReferenceParams, type ReferenceSettings } from "./reference.js";
