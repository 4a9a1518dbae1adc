/**
 * Selects `total` (head, position) pairs across heads, as Ada-KV does: every head first
 * keeps its own Top-`floor` positions (the safeguard), then the remaining
 * `total − heads · floor` pairs are the highest scores left across all heads. Heads
 * therefore keep different numbers of positions, which sum to `total`.
 *
 * Ties go to the higher score, then to the lower head, then to the lower position.
 *
 * @param scores `[heads, length]` scores comparable across heads (for example attention
 *   probabilities, which sum to the same mass in every head)
 * @param total at most `heads · length`
 * @param floor positions every head keeps, at most `length` and `total / heads`
 * @returns `[heads]` ascending position lists
 * @throws RangeError when `total` or `floor` is out of range
 */
export function selectAcrossHeads(scores: Float32Array | Float64Array, heads: number, length: number, total: number, floor: number): Int32Array[] {
  if (!Number.isInteger(total) || total < 0 || total > heads * length) {
    throw new RangeError(`selectAcrossHeads(): total is ${total}; expected an integer in [0, heads · length = ${heads * length}]`);
  }
  if (!Number.isInteger(floor) || floor < 0 || floor > length || floor * heads > total) {
    throw new RangeError(`selectAcrossHeads(): floor is ${floor}; expected an integer in [0, min(length, total / heads)] = [0, ${Math.min(length, Math.floor(total / heads))}]`);
  }
  // Each head's positions by descending score; the first `floor` are kept outright.
  const orders = Array.from({ length: heads }, (_, h) => {
    const row = scores.subarray(h * length, (h + 1) * length);
    return Int32Array.from({ length }, (_, j) => j).sort((a, b) => row[b]! - row[a]! || a - b);
  });
  const taken = new Int32Array(heads).fill(floor);
  // Merge the heads' remaining lists, always taking the highest next score.
  for (let left = total - heads * floor; left > 0; left--) {
    let best = -1;
    let bestScore = -Infinity;
    for (let h = 0; h < heads; h++) {
      if (taken[h]! >= length) continue;
      const score = scores[h * length + orders[h]![taken[h]!]!]!;
      if (best < 0 || score > bestScore) {
        best = h;
        bestScore = score;
      }
    }
    taken[best] = taken[best]! + 1;
  }
  return orders.map((order, h) => order.slice(0, taken[h]).sort());
}
