/**
 * Returns the positions of the `count` largest scores, in ascending position order.
 *
 * Ties are broken deterministically: higher score first, then lower position. `count`
 * larger than `scores.length` selects everything.
 *
 * The `count`-th largest score `t` is found by selection in O(length) expected time.
 * Then every position with a score above `t` is kept, and the lowest positions with a
 * score equal to `t` fill the rest. Scores that contain NaN take a full sort instead,
 * whose order for NaN is whatever the comparator gives.
 *
 * @param scores `[length]` finite scores
 */
export function topK(scores: ArrayLike<number>, count: number): Int32Array {
  const length = scores.length;
  const take = Math.max(0, Math.min(count, length));
  if (take === 0) return new Int32Array(0);
  const values = Float64Array.from(scores);
  if (values.some(Number.isNaN)) return sortedTopK(scores, take);

  const threshold = selectAscending(values, length - take);
  let ties = take;
  for (let j = 0; j < length; j++) if (scores[j]! > threshold) ties--;
  const kept = new Int32Array(take);
  let slot = 0;
  for (let j = 0; j < length; j++) {
    const score = scores[j]!;
    if (score > threshold) {
      kept[slot++] = j;
    } else if (score === threshold && ties > 0) {
      kept[slot++] = j;
      ties--;
    }
  }
  return kept;
}

function sortedTopK(scores: ArrayLike<number>, take: number): Int32Array {
  const order = new Int32Array(scores.length);
  for (let j = 0; j < order.length; j++) order[j] = j;
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order.slice(0, take).sort();
}

/**
 * Returns the value at `index` of `values` sorted ascending, reordering `values` in place.
 * It runs quickselect with a median-of-three pivot and a three-way partition, so runs of
 * equal values cost one pass. After `2 · log2(n) + 8` rounds the rest of the range is sorted,
 * which bounds the worst case at O(n log n).
 */
function selectAscending(values: Float64Array, index: number): number {
  let low = 0;
  let high = values.length - 1;
  let rounds = 2 * Math.ceil(Math.log2(values.length + 1)) + 8;
  while (low < high) {
    if (rounds-- === 0) {
      values.subarray(low, high + 1).sort();
      return values[index]!;
    }
    const pivot = medianOfThree(values[low]!, values[(low + high) >>> 1]!, values[high]!);
    // Partition [low, high] into values below the pivot, equal to it, and above it.
    let below = low;
    let i = low;
    let above = high;
    while (i <= above) {
      const value = values[i]!;
      if (value < pivot) {
        values[i] = values[below]!;
        values[below++] = value;
        i++;
      } else if (value > pivot) {
        values[i] = values[above]!;
        values[above--] = value;
      } else {
        i++;
      }
    }
    if (index < below) high = below - 1;
    else if (index > above) low = above + 1;
    else return pivot;
  }
  return values[index]!;
}

function medianOfThree(a: number, b: number, c: number): number {
  const low = Math.min(a, b);
  const high = Math.max(a, b);
  if (c <= low) return low;
  if (c >= high) return high;
  return c;
}
