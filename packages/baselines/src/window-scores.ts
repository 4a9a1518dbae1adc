import { type Backend, type LayerInput, type Pooling, pooledLength } from "@starkv/core";
import type { PreparedLayer } from "./layer-setup.js";
import type { GroupReduction } from "./options.js";

/** Pooled observation-window attention of one layer. */
export interface PooledScores {
  /** `a` after pooling, `[heads, pastLength]`; owned by the caller. */
  readonly scores: Float32Array;
  /** Set when the kernel is even and the extra pooled value was dropped. */
  readonly note?: string;
}

/**
 * Computes the SnapKV scores `p[h, j]` of every query head over the past positions: the
 * window attention column sums, pooled with `kernel` (STaR-KV's base pool, on `backend`).
 *
 * An even kernel gives one pooled value more than there are past positions; that value,
 * which lies past the compressible range, is dropped and a note reports it.
 */
export function pooledWindowScores(backend: Backend, input: LayerInput, prepared: PreparedLayer, kernel: number, pooling: Pooling): PooledScores {
  const { heads } = prepared.shape;
  const { window, pastLength } = prepared.capacity;
  const pooled = backend.windowScores(input.queries, input.keys, window, kernel, pooling);
  if (pooled.length === heads * pastLength) return { scores: pooled };
  const width = pooled.length / heads;
  const scores = new Float32Array(heads * pastLength);
  for (let h = 0; h < heads; h++) scores.set(pooled.subarray(h * width, h * width + pastLength), h * pastLength);
  return {
    scores,
    note: `even kernel ${kernel}: pooled scores are shifted by half a token and have ${pooledLength(pastLength, kernel)} values; the last one, past the compressible range, is dropped`,
  };
}

/**
 * Reduces query-head scores `[heads, length]` to one row per KV head `[kvHeads, length]`:
 * the mean (sum, then divide by `G`) or the maximum over the `G = heads / kvHeads` heads
 * of each group.
 */
export function reduceGroups(scores: Float32Array | Float64Array, heads: number, kvHeads: number, length: number, reduction: GroupReduction): Float64Array {
  const groupSize = heads / kvHeads;
  const out = new Float64Array(kvHeads * length).fill(reduction === "mean" ? 0 : -Infinity);
  for (let h = 0; h < heads; h++) {
    const offset = Math.floor(h / groupSize) * length;
    for (let j = 0; j < length; j++) {
      const score = scores[h * length + j]!;
      out[offset + j] = reduction === "mean" ? out[offset + j]! + score : Math.max(out[offset + j]!, score);
    }
  }
  if (reduction === "mean") for (let i = 0; i < out.length; i++) out[i] = out[i]! / groupSize;
  return out;
}
