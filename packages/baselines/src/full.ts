import { resolveCapacity, validateLayerInputs } from "@starkv/core";
import { wholeLayerResult } from "./head-caches.js";
import { type LayerMethod, layerMethod } from "./method.js";
import { checkOptions, integerFrom } from "./options.js";

/** Options of `createFull`. */
export interface FullOptions {
  /** The window reported in `budget.window`; default 8. Nothing is dropped whatever it is. */
  readonly window?: number;
}

/**
 * Creates the Full baseline: every position of every layer stays (the quality ceiling of
 * every comparison). The result's keys and values are views into the input.
 *
 * @throws OptionsError listing every invalid option
 */
export function createFull(options: FullOptions = {}): LayerMethod {
  const name = "full";
  checkOptions("createFull()", options, { window: integerFrom(1) });
  const window = options.window ?? 8;
  return layerMethod(name, (_session, layer, input) => {
    const shape = validateLayerInputs(`${name}.compressLayer() layer ${layer}`, [input]);
    const capacity = resolveCapacity(shape.seqLen, { tokens: shape.seqLen }, window);
    return wholeLayerResult(name, layer, input, { shape, capacity, groupSize: shape.heads / shape.kvHeads }, ["Full keeps every token"]);
  });
}
