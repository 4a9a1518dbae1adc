import type { Tensor } from "./tensor.js";

/** Column sums of the observation window's attention, with the probabilities on request. */
export interface WindowAttention {
  /** `a` `[heads, pastLength]`: `a[h, j] = Σ_i P[h, i, j]` over the window rows `i`. */
  readonly sums: Float32Array;
  /** `P` `[heads, window, seqLen]`, only when requested. */
  readonly probabilities?: Float32Array;
}

/**
 * Computes the observation-window attention and sums it over the window rows.
 *
 * Window row `i` is query position `T − w + i`. Its logits are `q · k / sqrt(D)` over all
 * `T` keys; keys inside the window after the query (`j = T − w + jj`, `jj > i`) are masked
 * out, so their probability is exactly 0. The softmax runs over all `T` columns (window
 * columns included, max subtracted first), then the mass on past columns `j < L` is
 * summed over the window rows; mass on window columns is discarded.
 *
 * Each key row is read once for every query row of its KV group (GQA), and keys are never
 * copied to query-head width.
 *
 * @param queries `[heads, rows, headDim]`; the last `window` rows are used
 * @param keys `[kvHeads, seqLen, headDim]`
 * @param window `w`, at most `rows` and less than `seqLen`
 */
export function windowAttention(queries: Tensor, keys: Tensor, window: number, withProbabilities = false): WindowAttention {
  const [heads, rows, headDim] = queries.shape as [number, number, number];
  const [kvHeads, seqLen] = keys.shape as [number, number, number];
  const groupSize = heads / kvHeads;
  const pastLength = seqLen - window;
  const scale = 1 / Math.sqrt(headDim);
  const q = queries.data;
  const k = keys.data;

  const sums = new Float32Array(heads * pastLength);
  const probabilities = withProbabilities ? new Float32Array(heads * window * seqLen) : undefined;
  // One logit row per (query head of the group, window row), all over the full key range.
  const groupRows = groupSize * window;
  const logits = new Float64Array(groupRows * seqLen);
  const rowSums = new Float64Array(pastLength);

  for (let g = 0; g < kvHeads; g++) {
    const firstHead = g * groupSize;
    for (let j = 0; j < seqLen; j++) {
      const keyOffset = (g * seqLen + j) * headDim;
      for (let r = 0; r < groupRows; r++) {
        const head = firstHead + Math.floor(r / window);
        const row = rows - window + (r % window);
        const queryOffset = (head * rows + row) * headDim;
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += q[queryOffset + d]! * k[keyOffset + d]!;
        logits[r * seqLen + j] = dot * scale;
      }
    }

    for (let r = 0; r < groupRows; r++) {
      const head = firstHead + Math.floor(r / window);
      const i = r % window;
      // Causal mask: this row sees the past and window keys up to its own position.
      const visible = pastLength + i + 1;
      const base = r * seqLen;
      let max = -Infinity;
      for (let j = 0; j < visible; j++) max = Math.max(max, logits[base + j]!);
      let total = 0;
      for (let j = 0; j < visible; j++) {
        const e = Math.exp(logits[base + j]! - max);
        logits[base + j] = e;
        total += e;
      }
      const inverse = 1 / total;
      for (let j = 0; j < pastLength; j++) rowSums[j] = logits[base + j]! * inverse;
      const sumOffset = head * pastLength;
      for (let j = 0; j < pastLength; j++) sums[sumOffset + j] = sums[sumOffset + j]! + rowSums[j]!;
      if (probabilities !== undefined) {
        const probabilityOffset = (head * window + i) * seqLen;
        for (let j = 0; j < visible; j++) probabilities[probabilityOffset + j] = logits[base + j]! * inverse;
      }
    }
  }
  return probabilities === undefined ? { sums } : { sums, probabilities };
}
