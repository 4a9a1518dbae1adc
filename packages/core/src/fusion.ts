/**
 * Fuses the head-mean score with a group prior, in place:
 * `scores[j] ← scores[j] · ((1 − λ) + λ · w[g*[j]] · kvHeads)`.
 *
 * With uniform weights `w = 1/kvHeads` the factor is 1 and the scores are unchanged.
 *
 * @param scores `[length]` token scores (the head mean `base` in the reference)
 * @param weights `[kvHeads]` group weights summing to 1
 * @param bestGroup `[length]` arg-max group per position
 * @param lambda `λ ∈ [0, 1]`, the weight of the prior
 * @returns the per-position weight `w*[j] = w[g*[j]] · kvHeads`
 */
export function fuseGroupPrior(scores: Float64Array, weights: ArrayLike<number>, bestGroup: Int32Array, lambda: number): Float64Array {
  const kvHeads = weights.length;
  const weightAt = new Float64Array(scores.length);
  for (let j = 0; j < scores.length; j++) {
    const w = weights[bestGroup[j]!]! * kvHeads;
    weightAt[j] = w;
    scores[j] = scores[j]! * (1 - lambda + lambda * w);
  }
  return weightAt;
}
