import { type Tensor, tensor } from "./tensor.js";

/**
 * Returns the kept positions: `past` (ascending, all below `seqLen − window`) followed by
 * the `window` last positions. Slot `s` of the compressed cache holds original
 * position `positions[s]`.
 */
export function keptPositions(past: Int32Array, seqLen: number, window: number): Int32Array {
  const positions = new Int32Array(past.length + window);
  positions.set(past);
  for (let i = 0; i < window; i++) positions[past.length + i] = seqLen - window + i;
  return positions;
}

/**
 * Gathers the rows `positions` of every head of `cache` `[heads, seqLen, headDim]` into a
 * new tensor `[heads, positions.length, headDim]`. The input is not modified.
 */
export function gatherRows(cache: Tensor, positions: Int32Array): Tensor {
  const [heads, seqLen, headDim] = cache.shape as [number, number, number];
  const kept = positions.length;
  const out = new Float32Array(heads * kept * headDim);
  for (let h = 0; h < heads; h++) {
    for (let s = 0; s < kept; s++) {
      const from = (h * seqLen + positions[s]!) * headDim;
      out.set(cache.data.subarray(from, from + headDim), (h * kept + s) * headDim);
    }
  }
  return tensor(out, [heads, kept, headDim], "gathered cache");
}
