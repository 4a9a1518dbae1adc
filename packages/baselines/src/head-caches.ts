import { keptPositions, type LayerInput, type Tensor, tensor } from "@starkv/core";
import type { PreparedLayer } from "./layer-setup.js";
import type { CacheLayout, HeadCache, MethodLayerResult } from "./method-result.js";

/**
 * Copies the rows `positions` of KV head `kvHead` of `cache` `[kvHeads, seqLen, headDim]`
 * into a new tensor `[positions.length, headDim]`.
 */
export function gatherHeadRows(cache: Tensor, kvHead: number, positions: Int32Array): Tensor {
  const [, seqLen, headDim] = cache.shape as [number, number, number];
  const out = new Float32Array(positions.length * headDim);
  for (let s = 0; s < positions.length; s++) {
    const from = (kvHead * seqLen + positions[s]!) * headDim;
    out.set(cache.data.subarray(from, from + headDim), s * headDim);
  }
  return tensor(out, [positions.length, headDim], "head cache");
}

/**
 * Builds one cache head per entry of `past`: its kept past positions (ascending) followed
 * by the window, with keys and values read from KV head `sourceHead(e)`.
 */
export function buildHeadCaches(input: LayerInput, past: readonly Int32Array[], window: number, sourceHead: (cacheHead: number) => number): HeadCache[] {
  const seqLen = input.keys.shape[1]!;
  return past.map((kept, e) => {
    const positions = keptPositions(kept, seqLen, window);
    const kvHead = sourceHead(e);
    return { keys: gatherHeadRows(input.keys, kvHead, positions), values: gatherHeadRows(input.values, kvHead, positions), positions };
  });
}

/** Returns what a layer's result reports for the given past positions. */
export function compressedResult(
  method: string,
  layer: number,
  prepared: PreparedLayer,
  layout: CacheLayout,
  heads: readonly HeadCache[],
  notes: readonly string[],
  backend?: string,
): MethodLayerResult {
  const window = prepared.capacity.window;
  const counts = heads.map((head) => head.positions.length - window);
  const uniform = counts.every((count) => count === counts[0]);
  const keepTotal = counts.reduce((sum, count) => sum + count, 0);
  return {
    method,
    layer,
    compressed: true,
    layout,
    heads,
    queryHeadsPerCacheHead: layout === "per-query-head" ? 1 : prepared.groupSize,
    capacity: prepared.capacity,
    budget: uniform ? { keepPerHead: counts[0]!, keepTotal, window } : { keepTotal, window },
    notes,
    ...(backend === undefined ? {} : { backend }),
  };
}

/**
 * Returns a result that keeps every position of the layer, as the Full method does and
 * as every method does when the budget is at least the prompt (`T < C`). Key and value
 * rows are views into the input, not copies.
 */
export function wholeLayerResult(method: string, layer: number, input: LayerInput, prepared: PreparedLayer, notes: readonly string[]): MethodLayerResult {
  const [kvHeads, seqLen, headDim] = input.keys.shape as [number, number, number];
  const positions = new Int32Array(seqLen);
  for (let j = 0; j < seqLen; j++) positions[j] = j;
  const rowSize = seqLen * headDim;
  const heads: HeadCache[] = [];
  for (let g = 0; g < kvHeads; g++) {
    heads.push({
      keys: tensor(input.keys.data.subarray(g * rowSize, (g + 1) * rowSize), [seqLen, headDim], "head keys"),
      values: tensor(input.values.data.subarray(g * rowSize, (g + 1) * rowSize), [seqLen, headDim], "head values"),
      positions,
    });
  }
  // A prompt shorter than the configured window keeps all of its tokens as the window.
  const window = Math.min(prepared.capacity.window, seqLen);
  const keep = seqLen - window;
  return {
    method,
    layer,
    compressed: false,
    layout: "shared",
    heads,
    queryHeadsPerCacheHead: prepared.groupSize,
    capacity: prepared.capacity,
    budget: { keepPerHead: keep, keepTotal: keep * kvHeads, window },
    notes,
  };
}
