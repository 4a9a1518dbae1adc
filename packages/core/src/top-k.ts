/**
 * Returns the positions of the `count` largest scores, in ascending position order.
 *
 * Ties are broken deterministically: higher score first, then lower position. `count`
 * larger than `scores.length` selects everything.
 *
 * @param scores `[length]` finite scores
 */
export function topK(scores: ArrayLike<number>, count: number): Int32Array {
  const length = scores.length;
  const take = Math.max(0, Math.min(count, length));
  const order = new Int32Array(length);
  for (let j = 0; j < length; j++) order[j] = j;
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order.slice(0, take).sort();
}
