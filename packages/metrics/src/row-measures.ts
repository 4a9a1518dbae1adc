import type { MethodLayerResult } from "@starkv/baselines";
import type { LayerInput, Tensor } from "@starkv/core";

/** Recall and output error of every (query head, query row) pair. */
export interface RowMeasures {
  /** `[heads, rows]` share of the row's full attention that falls on kept positions. */
  readonly recall: Float64Array;
  /** `[heads, rows]` `‖o_c − o_f‖ / ‖o_f‖`, NaN where `‖o_f‖ = 0`. */
  readonly error: Float64Array;
  readonly rows: number;
}

/**
 * Softmax attention of `q` over `count` consecutive key rows and its output: writes the
 * probabilities to `probabilities[0 … count)` and `Σ_j p_j v_j` to `output`. With no key
 * row the output is zero.
 */
function attend(
  q: Float32Array,
  qOffset: number,
  keys: Float32Array,
  values: Float32Array,
  rowOffset: number,
  count: number,
  headDim: number,
  probabilities: Float64Array,
  output: Float64Array,
): void {
  output.fill(0);
  if (count === 0) return;
  const scale = 1 / Math.sqrt(headDim);
  let max = -Infinity;
  for (let j = 0; j < count; j++) {
    const offset = (rowOffset + j) * headDim;
    let dot = 0;
    for (let d = 0; d < headDim; d++) dot += q[qOffset + d]! * keys[offset + d]!;
    probabilities[j] = dot * scale;
    max = Math.max(max, probabilities[j]!);
  }
  let total = 0;
  for (let j = 0; j < count; j++) {
    probabilities[j] = Math.exp(probabilities[j]! - max);
    total += probabilities[j]!;
  }
  for (let j = 0; j < count; j++) {
    const p = probabilities[j]! / total;
    probabilities[j] = p;
    const offset = (rowOffset + j) * headDim;
    for (let d = 0; d < headDim; d++) output[d] = output[d]! + p * values[offset + d]!;
  }
}

/** Returns how many of the ascending `positions` are at most `limit`. */
function countAtMost(positions: Int32Array, limit: number): number {
  let low = 0;
  let high = positions.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (positions[middle]! <= limit) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Measures every row of `queries` `[heads, rows, headDim]` against the full cache and the
 * result's cache. Row `i` sits at prompt position `positionOf(i)` and attends to the keys
 * at positions up to it, in both caches. Query head `h` reads KV head `floor(h / G)` of the
 * full cache and cache head `floor(h / queryHeadsPerCacheHead)` of the result, with that
 * head's own length. Inputs are validated by the caller.
 */
export function measureRows(input: LayerInput, result: MethodLayerResult, queries: Tensor, positionOf: (row: number) => number): RowMeasures {
  const [heads, rows, headDim] = queries.shape as [number, number, number];
  const [kvHeads, seqLen] = input.keys.shape as [number, number, number];
  const groupSize = heads / kvHeads;
  const recall = new Float64Array(heads * rows);
  const error = new Float64Array(heads * rows);
  const probabilities = new Float64Array(seqLen);
  const full = new Float64Array(headDim);
  const compressed = new Float64Array(headDim);

  for (let h = 0; h < heads; h++) {
    const kvHead = Math.floor(h / groupSize);
    const cache = result.heads[Math.floor(h / result.queryHeadsPerCacheHead)]!;
    for (let i = 0; i < rows; i++) {
      const position = positionOf(i);
      const qOffset = (h * rows + i) * headDim;
      const visible = countAtMost(cache.positions, position);

      attend(queries.data, qOffset, input.keys.data, input.values.data, kvHead * seqLen, position + 1, headDim, probabilities, full);
      let kept = 0;
      for (let s = 0; s < visible; s++) kept += probabilities[cache.positions[s]!]!;
      recall[h * rows + i] = kept;

      attend(queries.data, qOffset, cache.keys.data, cache.values.data, 0, visible, headDim, probabilities, compressed);
      let difference = 0;
      let norm = 0;
      for (let d = 0; d < headDim; d++) {
        difference += (compressed[d]! - full[d]!) ** 2;
        norm += full[d]! ** 2;
      }
      error[h * rows + i] = norm > 0 ? Math.sqrt(difference / norm) : Number.NaN;
    }
  }
  return { recall, error, rows };
}
