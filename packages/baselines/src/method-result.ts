import { type Capacity, type LayerResult, type Tensor, tensor } from "@starkv/core";

/**
 * The relation of a result's cache heads to each other and to the model's heads.
 *
 * - `"shared"`: one cache head per KV head, all holding the same positions.
 * - `"per-kv-head"`: one cache head per KV head, each with its own positions and, for
 *   head-adaptive methods, its own length.
 * - `"per-query-head"`: one cache head per query head (the reference SnapKV layout, `G`
 *   times the model's own cache).
 */
export type CacheLayout = "shared" | "per-kv-head" | "per-query-head";

/** The kept cache of one cache head. */
export interface HeadCache {
  /** `[kept, headDim]`: kept keys in the order of `positions`. */
  readonly keys: Tensor;
  /** `[kept, headDim]`. */
  readonly values: Tensor;
  /** `[kept]`: original prompt position of every row, ascending; the window comes last. */
  readonly positions: Int32Array;
}

/** How many tokens a layer's result promises to keep. */
export interface LayerBudget {
  /** Past tokens kept by every cache head when all keep the same number; undefined for head-adaptive results. */
  readonly keepPerHead?: number;
  /** Past tokens kept over all cache heads together: `Σ_h (kept_h − window)`. */
  readonly keepTotal: number;
  /** Window tokens every cache head keeps (the last `window` prompt positions). */
  readonly window: number;
}

/**
 * The compressed cache of one layer, the same shape for every method.
 *
 * Query head `h` reads cache head `floor(h / queryHeadsPerCacheHead)`: with GQA groups of
 * `G` query heads, `queryHeadsPerCacheHead` is `G` for the `"shared"` and `"per-kv-head"`
 * layouts and 1 for `"per-query-head"`.
 */
export interface MethodLayerResult {
  /** Name of the method that produced the result. */
  readonly method: string;
  readonly layer: number;
  /** False when the budget left the layer whole (every position kept). */
  readonly compressed: boolean;
  readonly layout: CacheLayout;
  /** One entry per cache head, see `layout`. */
  readonly heads: readonly HeadCache[];
  /** Query heads that read each cache head. */
  readonly queryHeadsPerCacheHead: number;
  /** The budget resolved for the prompt (capacity, clamped window, uniform keep). */
  readonly capacity: Capacity;
  /** The tokens this layer keeps; they differ from `capacity.keep` for layer- or head-adaptive methods. */
  readonly budget: LayerBudget;
  /** Reasons the kept count differs from the budget, and other facts a caller should know. */
  readonly notes: readonly string[];
  /** Name of the backend that computed the scores, when one did. */
  readonly backend?: string;
}

/** Returns the cache head that query head `queryHead` reads. */
export function cacheHeadOf(result: MethodLayerResult, queryHead: number): number {
  return Math.floor(queryHead / result.queryHeadsPerCacheHead);
}

/** Returns the number of rows each cache head keeps, window included. */
export function keptCounts(result: MethodLayerResult): Int32Array {
  return Int32Array.from(result.heads, (head) => head.positions.length);
}

/**
 * Views a shared-index result of `createCompressor` (for example STaR-KV) as a
 * `MethodLayerResult`: one cache head per KV head, all with the same positions. The key
 * and value rows are views into the result's tensors, not copies.
 *
 * @param result a core `LayerResult` with keys and values `[kvHeads, kept, headDim]`
 * @param groupSize `G`, query heads per KV head
 */
export function fromSharedResult(result: LayerResult, layer: number, method: string, groupSize: number): MethodLayerResult {
  const [kvHeads, kept, headDim] = result.keys.shape as [number, number, number];
  const rowSize = kept * headDim;
  const heads: HeadCache[] = [];
  for (let g = 0; g < kvHeads; g++) {
    heads.push({
      keys: tensor(result.keys.data.subarray(g * rowSize, (g + 1) * rowSize), [kept, headDim], "head keys"),
      values: tensor(result.values.data.subarray(g * rowSize, (g + 1) * rowSize), [kept, headDim], "head values"),
      positions: result.positions,
    });
  }
  // An uncompressed prompt can be shorter than the configured window.
  const window = Math.min(result.capacity.window, kept);
  const keep = kept - window;
  return {
    method,
    layer,
    compressed: result.compressed,
    layout: "shared",
    heads,
    queryHeadsPerCacheHead: groupSize,
    capacity: result.capacity,
    budget: { keepPerHead: keep, keepTotal: keep * kvHeads, window },
    notes: result.notes,
    backend: result.backend,
  };
}
