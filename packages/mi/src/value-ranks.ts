/**
 * Returns the rank of each value in ascending order, ties going to the lower index:
 * `rank[i] = #{j : v[j] < v[i]} + #{j < i : v[j] = v[i]}`, with −0 equal to +0.
 *
 * Non-negative `Float32Array` values, such as the normalised attention that the MI
 * estimate ranks, take a stable radix sort of their bit patterns in O(n). The bit pattern
 * of a non-negative float32 grows with its value, and a stable sort keeps equal values in
 * index order. Other input takes a comparison sort in O(n log n).
 *
 * @param values `[n]` values without NaN; NaN takes the comparison sort, which keeps the
 *   order its comparator gives
 * @returns `[n]` ranks, a permutation of `0 … n − 1`
 */
export function valueRanks(values: ArrayLike<number>): Int32Array {
  const order = values instanceof Float32Array && allNonNegative(values) ? radixOrder(values) : comparisonOrder(values);
  const ranks = new Int32Array(order.length);
  for (let rank = 0; rank < order.length; rank++) ranks[order[rank]!] = rank;
  return ranks;
}

function allNonNegative(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!(values[i]! >= 0)) return false;
  return true;
}

function comparisonOrder(values: ArrayLike<number>): Int32Array {
  const order = new Int32Array(values.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => values[a]! - values[b]! || a - b);
}

/** Indices of non-negative float32 `values` in ascending order: three stable passes of 11 bits. */
function radixOrder(values: Float32Array): Int32Array {
  const n = values.length;
  // Clearing the sign bit maps −0 to the bits of +0.
  const bits = new Uint32Array(n);
  new Float32Array(bits.buffer).set(values);
  for (let i = 0; i < n; i++) bits[i] = bits[i]! & 0x7fffffff;

  let order = new Int32Array(n);
  let next = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const counts = new Int32Array(2048);
  for (let shift = 0; shift < 32; shift += 11) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(bits[i]! >>> shift) & 2047]! += 1;
    let offset = 0;
    for (let bucket = 0; bucket < 2048; bucket++) {
      const count = counts[bucket]!;
      counts[bucket] = offset;
      offset += count;
    }
    for (let i = 0; i < n; i++) {
      const index = order[i]!;
      const bucket = (bits[index]! >>> shift) & 2047;
      next[counts[bucket]!] = index;
      counts[bucket]! += 1;
    }
    [order, next] = [next, order];
  }
  return order;
}
