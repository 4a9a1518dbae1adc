import type { Tensor } from "@starkv/core";

/**
 * Calls `visit` with the causal softmax attention of each of the last `rows` query rows of
 * every query head, one row at a time (memory `O(seqLen)`).
 *
 * Query row `i` of the last `rows` sits at prompt position `p = seqLen − rows + i` and
 * attends to keys `0 … p`: its logits are `q · k / sqrt(headDim)` with the key of KV head
 * `floor(h / G)`, and the softmax (max subtracted first) runs over those `p + 1` keys.
 *
 * @param queries `[heads, queryRows, headDim]`, the queries of the last `queryRows` tokens
 * @param keys `[kvHeads, seqLen, headDim]`
 * @param rows how many of the last query rows to use, at most `queryRows`
 * @param visit receives the head, the position `p` and the probabilities `[p + 1]`; the
 *   array is reused for the next row
 */
export function forEachAttentionRow(queries: Tensor, keys: Tensor, rows: number, visit: (head: number, position: number, probabilities: Float64Array) => void): void {
  const [heads, queryRows, headDim] = queries.shape as [number, number, number];
  const [kvHeads, seqLen] = keys.shape as [number, number, number];
  const groupSize = heads / kvHeads;
  const scale = 1 / Math.sqrt(headDim);
  const q = queries.data;
  const k = keys.data;
  const buffer = new Float64Array(seqLen);

  for (let h = 0; h < heads; h++) {
    const keyBase = Math.floor(h / groupSize) * seqLen * headDim;
    for (let i = 0; i < rows; i++) {
      const queryOffset = (h * queryRows + queryRows - rows + i) * headDim;
      const position = seqLen - rows + i;
      const visible = position + 1;
      let max = -Infinity;
      for (let j = 0; j < visible; j++) {
        const keyOffset = keyBase + j * headDim;
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += q[queryOffset + d]! * k[keyOffset + d]!;
        buffer[j] = dot * scale;
        max = Math.max(max, buffer[j]!);
      }
      let total = 0;
      for (let j = 0; j < visible; j++) {
        buffer[j] = Math.exp(buffer[j]! - max);
        total += buffer[j]!;
      }
      for (let j = 0; j < visible; j++) buffer[j] = buffer[j]! / total;
      visit(h, position, buffer.subarray(0, visible));
    }
  }
}

/**
 * Sums the causal attention of the last `rows` query rows per head and key:
 * `acc[h, j] = Σ_i P[h, i, j]` `[heads, seqLen]` (a key after a row's position gets 0
 * from that row). This is H2O's accumulated attention at prefill.
 */
export function accumulatedAttention(queries: Tensor, keys: Tensor, rows: number): Float64Array {
  const heads = queries.shape[0]!;
  const seqLen = keys.shape[1]!;
  const sums = new Float64Array(heads * seqLen);
  forEachAttentionRow(queries, keys, rows, (head, _position, probabilities) => {
    const offset = head * seqLen;
    for (let j = 0; j < probabilities.length; j++) sums[offset + j] = sums[offset + j]! + probabilities[j]!;
  });
  return sums;
}
