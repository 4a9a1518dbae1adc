/**
 * Returns the group scores `S` `[kvHeads, length]`: the mean of `scores` over the query
 * heads of each KV group (group `g` is heads `g·G … (g+1)·G − 1`).
 *
 * @param scores `[heads, length]`
 */
export function groupScores(scores: Float32Array, heads: number, kvHeads: number, length: number): Float64Array {
  const groupSize = heads / kvHeads;
  const out = new Float64Array(kvHeads * length);
  for (let g = 0; g < kvHeads; g++) {
    const outOffset = g * length;
    for (let h = g * groupSize; h < (g + 1) * groupSize; h++) {
      const offset = h * length;
      for (let j = 0; j < length; j++) out[outOffset + j] = out[outOffset + j]! + scores[offset + j]!;
    }
    for (let j = 0; j < length; j++) out[outOffset + j] = out[outOffset + j]! / groupSize;
  }
  return out;
}

/**
 * Returns the head mean `base[j] = mean_h scores[h, j]` over all query heads (not the
 * mean of the group means, which rounds differently).
 *
 * @param scores `[heads, length]`
 */
export function headMean(scores: Float32Array, heads: number, length: number): Float64Array {
  const out = new Float64Array(length);
  for (let h = 0; h < heads; h++) {
    const offset = h * length;
    for (let j = 0; j < length; j++) out[j] = out[j]! + scores[offset + j]!;
  }
  for (let j = 0; j < length; j++) out[j] = out[j]! / heads;
  return out;
}

/**
 * Returns `g*[j]`, the group with the largest score at each position; ties go to the
 * lowest group index.
 *
 * @param groups `[kvHeads, length]`
 */
export function argmaxGroup(groups: Float64Array, kvHeads: number, length: number): Int32Array {
  const out = new Int32Array(length);
  for (let j = 0; j < length; j++) {
    let best = 0;
    let bestScore = groups[j]!;
    for (let g = 1; g < kvHeads; g++) {
      const score = groups[g * length + j]!;
      if (score > bestScore) {
        best = g;
        bestScore = score;
      }
    }
    out[j] = best;
  }
  return out;
}
