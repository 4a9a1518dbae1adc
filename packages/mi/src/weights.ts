/**
 * How group MI values become group weights.
 * - `"min-max"` (reference): `s = (v − min) / (max − min)`, so only the order of the groups
 *   matters; any difference, however small, gives the full spread `e^{1/τ}`.
 * - `"max"`: `s = v / max(v)`, so groups with nearly equal MI get nearly equal weights.
 */
export type WeightNormalisation = "min-max" | "max";

/**
 * Turns per-group MI into weights that sum to 1: normalise to `s` (all `0.5` when the
 * range is below 1e-12), then `w = softmax(s / max(τ, 1e-6))`, then `w / max(Σ w, 1e-8)`.
 *
 * @param values `[kvHeads]` MI per group
 * @param tau softmax temperature
 * @returns `[kvHeads]` float32 weights (empty for empty input)
 */
export function groupWeights(values: ArrayLike<number>, tau: number, normalisation: WeightNormalisation = "min-max"): Float32Array {
  const n = values.length;
  const weights = new Float32Array(n);
  if (n === 0) return weights;
  let min = Infinity;
  let max = -Infinity;
  for (let g = 0; g < n; g++) {
    min = Math.min(min, values[g]!);
    max = Math.max(max, values[g]!);
  }
  const s = new Float64Array(n);
  for (let g = 0; g < n; g++) {
    if (normalisation === "max") s[g] = max > 1e-12 ? values[g]! / max : 0.5;
    else s[g] = max - min < 1e-12 ? 0.5 : (values[g]! - min) / (max - min);
  }
  const scale = 1 / Math.max(tau, 1e-6);
  let top = -Infinity;
  for (const v of s) top = Math.max(top, v * scale);
  let total = 0;
  for (let g = 0; g < n; g++) {
    s[g] = Math.exp(s[g]! * scale - top);
    total += s[g]!;
  }
  for (let g = 0; g < n; g++) s[g] = s[g]! / total;
  let sum = 0;
  for (const v of s) sum += v;
  const divisor = Math.max(sum, 1e-8);
  for (let g = 0; g < n; g++) weights[g] = s[g]! / divisor;
  return weights;
}
