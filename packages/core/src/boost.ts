import type { Tensor } from "./tensor.js";

/** The hidden-state spatial boost's parameters. */
export interface BoostOptions {
  /** `α`, the total mass added to every head over the span; `α ≤ 0` disables the boost. */
  readonly alpha: number;
  /** `τ_s`, the softmax temperature over the span's z-scored norms. */
  readonly temperature: number;
}

/**
 * Returns the L2 norm of each hidden state in `[start, end)`.
 *
 * @param hidden `[seqLen]` norms already computed, or `[seqLen, hidden]` states
 */
export function hiddenNorms(hidden: Tensor, start: number, end: number): Float64Array {
  const norms = new Float64Array(end - start);
  if (hidden.shape.length === 1) {
    for (let j = start; j < end; j++) norms[j - start] = hidden.data[j]!;
    return norms;
  }
  const width = hidden.shape[1]!;
  const data = hidden.data;
  for (let j = start; j < end; j++) {
    // Four partial sums let the loop run without waiting on one accumulator.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    const offset = j * width;
    let d = 0;
    for (; d + 3 < width; d += 4) {
      const x0 = data[offset + d]!;
      const x1 = data[offset + d + 1]!;
      const x2 = data[offset + d + 2]!;
      const x3 = data[offset + d + 3]!;
      s0 += x0 * x0;
      s1 += x1 * x1;
      s2 += x2 * x2;
      s3 += x3 * x3;
    }
    for (; d < width; d++) s0 += data[offset + d]! * data[offset + d]!;
    norms[j - start] = Math.sqrt(s0 + s1 + s2 + s3);
  }
  return norms;
}

/**
 * Computes the spatial boost `β` over the current screenshot from its hidden-state norms:
 * `z = (n − mean) / (std + 1e-8)` with the Bessel-corrected std, then
 * `β = α · softmax(z / τ_s)`. The boost adds total mass `α`, spread by relative norm.
 *
 * A one-token span has no defined std (the reference gets NaN there); this function sets
 * `z = 0`, so the single token receives `β = α`.
 *
 * @param norms `[spanLength]` hidden-state norms
 * @returns `[spanLength]` boost values
 */
export function spatialBoost(norms: Float64Array, options: BoostOptions): Float64Array {
  const m = norms.length;
  const boost = new Float64Array(m);
  if (m === 0) return boost;
  if (m === 1) {
    boost[0] = options.alpha;
    return boost;
  }
  let mean = 0;
  for (const n of norms) mean += n;
  mean /= m;
  let squares = 0;
  for (const n of norms) squares += (n - mean) * (n - mean);
  const std = Math.sqrt(squares / (m - 1));
  const divisor = (std + 1e-8) * options.temperature;

  let max = -Infinity;
  for (let j = 0; j < m; j++) {
    boost[j] = (norms[j]! - mean) / divisor;
    max = Math.max(max, boost[j]!);
  }
  let total = 0;
  for (let j = 0; j < m; j++) {
    boost[j] = Math.exp(boost[j]! - max);
    total += boost[j]!;
  }
  for (let j = 0; j < m; j++) boost[j] = (options.alpha * boost[j]!) / total;
  return boost;
}

/**
 * Adds `boost` `[end − start]` to every head's scores over `[start, end)`, in place.
 *
 * @param scores `[heads, length]` pooled window attention, owned by the caller
 */
export function addBoost(scores: Float32Array, heads: number, length: number, start: number, boost: Float64Array): void {
  for (let h = 0; h < heads; h++) {
    const offset = h * length + start;
    for (let j = 0; j < boost.length; j++) scores[offset + j] = scores[offset + j]! + boost[j]!;
  }
}
