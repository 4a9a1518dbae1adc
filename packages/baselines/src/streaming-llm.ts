import { buildHeadCaches, compressedResult, wholeLayerResult } from "./head-caches.js";
import { prepareLayer } from "./layer-setup.js";
import { type LayerMethod, layerMethod } from "./method.js";
import { type BudgetOptions, budgetChecks, checkOptions, integerFrom, resolveBudgetOptions } from "./options.js";

/** Options of `createStreamingLLM`. */
export interface StreamingLLMOptions extends BudgetOptions {
  /** Initial "attention sink" tokens always kept; default 4. */
  readonly sinks?: number;
}

/**
 * Returns StreamingLLM's kept past positions: the first `min(sinks, keep)` positions, then
 * the most recent `keep − sinks` past positions right before the window. Ascending.
 *
 * @param pastLength `L`, past positions
 * @param keep past tokens to keep, at most `L`
 */
export function sinkRecentPositions(pastLength: number, keep: number, sinks: number): Int32Array {
  const sinkCount = Math.min(sinks, keep);
  const positions = new Int32Array(keep);
  for (let s = 0; s < sinkCount; s++) positions[s] = s;
  for (let r = 0; r < keep - sinkCount; r++) positions[sinkCount + r] = pastLength - (keep - sinkCount) + r;
  return positions;
}

/**
 * Creates StreamingLLM (arXiv 2309.17453): the first `sinks` tokens and the most recent
 * tokens up to the capacity, with no scores. Every KV head keeps the same positions
 * (layout `"shared"`), reported as original prompt positions.
 *
 * @throws OptionsError listing every invalid option
 */
export function createStreamingLLM(options: StreamingLLMOptions = {}): LayerMethod {
  const name = "streamingllm";
  checkOptions("createStreamingLLM()", options, { ...budgetChecks, sinks: integerFrom(0) });
  const resolved = resolveBudgetOptions(options);
  const sinks = options.sinks ?? 4;
  return layerMethod(name, (_session, layer, input) => {
    const prepared = prepareLayer(`${name}.compressLayer() layer ${layer}`, input, resolved.budget, resolved.window);
    const { capacity } = prepared;
    if (!capacity.compresses) return wholeLayerResult(name, layer, input, prepared, capacity.notes);
    const past = sinkRecentPositions(capacity.pastLength, capacity.keep, sinks);
    const caches = buildHeadCaches(input, Array.from({ length: prepared.shape.kvHeads }, () => past), capacity.window, (g) => g);
    return compressedResult(name, layer, prepared, "shared", caches, capacity.notes);
  });
}
