import { topK } from "./top-k.js";
import type { Tensor } from "./tensor.js";
import { tensor } from "./tensor.js";

/** The per-query-head selection of the reference's SnapKV base pool. */
export interface PerHeadSelection {
  /** `[heads, keep]` kept past positions of each query head, ascending. */
  readonly kept: Int32Array;
  /** `[heads, keep + window, headDim]`: each query head's kept keys, then the window. */
  readonly keys: Tensor;
  readonly values: Tensor;
}

/**
 * Selects past positions per query head, as the reference's SnapKV pool does: each head
 * keeps the Top-`keep` of its own pooled scores, and its keys and values come from KV
 * head `floor(h / G)`. The output is at query-head width because heads of one group keep
 * different positions; prefer a shared index set to keep the cache at KV-head width.
 *
 * @param pooled `[heads, pastLength]` pooled window attention
 * @param keys `[kvHeads, seqLen, headDim]`
 */
export function selectPerHead(pooled: Float32Array, heads: number, pastLength: number, keep: number, window: number, keys: Tensor, values: Tensor): PerHeadSelection {
  const [kvHeads, seqLen, headDim] = keys.shape as [number, number, number];
  const groupSize = heads / kvHeads;
  const slots = keep + window;
  const kept = new Int32Array(heads * keep);
  const keyOut = new Float32Array(heads * slots * headDim);
  const valueOut = new Float32Array(heads * slots * headDim);
  for (let h = 0; h < heads; h++) {
    const past = topK(pooled.subarray(h * pastLength, (h + 1) * pastLength), keep);
    kept.set(past, h * keep);
    const source = Math.floor(h / groupSize) * seqLen;
    for (let s = 0; s < slots; s++) {
      const position = s < keep ? past[s]! : seqLen - window + (s - keep);
      const from = (source + position) * headDim;
      const to = (h * slots + s) * headDim;
      keyOut.set(keys.data.subarray(from, from + headDim), to);
      valueOut.set(values.data.subarray(from, from + headDim), to);
    }
  }
  return {
    kept,
    keys: tensor(keyOut, [heads, slots, headDim], "per-head keys"),
    values: tensor(valueOut, [heads, slots, headDim], "per-head values"),
  };
}
