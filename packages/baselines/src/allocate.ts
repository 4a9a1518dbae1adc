/**
 * Splits `total` integer units over items in proportion to `shares`, within per-item
 * bounds, so that the counts sum to `total` exactly.
 *
 * First the real-valued split `x_i = clamp(λ · share_i, lower_i, upper_i)` with `λ` chosen
 * so that `Σ x_i = total`: an item that hits a bound keeps it and the rest is spread over
 * the others in proportion to their shares. When the items with a positive share are all
 * full, the remainder goes to the zero-share items in equal parts. Then each `x_i` is
 * rounded down and the units still missing go to the largest fractional parts (ties to
 * the lower index), never past an upper bound.
 *
 * @param shares `[items]` non-negative finite weights
 * @param lower a bound for every item, or `[items]` integer bounds
 * @param upper a bound for every item, or `[items]` integer bounds, each at least the lower one
 * @returns `[items]` integer counts within the bounds that sum to `total`
 * @throws RangeError when a share or a bound is invalid or when `total` is outside
 *   `[Σ lower, Σ upper]`
 */
export function allocateUnits(total: number, shares: ArrayLike<number>, lower: number | ArrayLike<number>, upper: number | ArrayLike<number>): Int32Array {
  const items = shares.length;
  const lo = Float64Array.from({ length: items }, (_, i) => (typeof lower === "number" ? lower : lower[i]!));
  const hi = Float64Array.from({ length: items }, (_, i) => (typeof upper === "number" ? upper : upper[i]!));
  validate(total, shares, lo, hi);
  const exact = splitReal(total, Float64Array.from(shares), lo, hi);
  return roundToTotal(total, exact, lo, hi);
}

function validate(total: number, shares: ArrayLike<number>, lo: Float64Array, hi: Float64Array): void {
  if (!Number.isInteger(total)) throw new RangeError(`allocateUnits(): total is ${total}; expected an integer`);
  let minimum = 0;
  let maximum = 0;
  for (let i = 0; i < shares.length; i++) {
    const share = shares[i]!;
    if (!Number.isFinite(share) || share < 0) throw new RangeError(`allocateUnits(): shares[${i}] is ${share}; every share must be a finite number ≥ 0`);
    if (!Number.isInteger(lo[i]) || !Number.isInteger(hi[i]) || lo[i]! > hi[i]!) {
      throw new RangeError(`allocateUnits(): item ${i} has bounds [${lo[i]}, ${hi[i]}]; expected integers with lower ≤ upper`);
    }
    minimum += lo[i]!;
    maximum += hi[i]!;
  }
  if (total < minimum || total > maximum) {
    throw new RangeError(`allocateUnits(): total is ${total} but the bounds allow only [${minimum}, ${maximum}]; raise the upper bounds or lower the total`);
  }
}

function splitReal(total: number, shares: Float64Array, lo: Float64Array, hi: Float64Array): Float64Array {
  const items = shares.length;
  const positive = Array.from(shares.keys()).filter((i) => shares[i]! > 0);
  const x = Float64Array.from(lo);
  const sumOf = (lambda: number): number => {
    let sum = 0;
    for (let i = 0; i < items; i++) sum += shares[i]! > 0 ? Math.min(hi[i]!, Math.max(lo[i]!, lambda * shares[i]!)) : lo[i]!;
    return sum;
  };

  let fullSum = 0;
  for (let i = 0; i < items; i++) fullSum += shares[i]! > 0 ? hi[i]! : lo[i]!;
  if (total >= fullSum) {
    // Every item with a positive share is full; the zero-share items take the rest equally.
    for (const i of positive) x[i] = hi[i]!;
    const zero = Array.from(shares.keys()).filter((i) => shares[i] === 0);
    if (zero.length === 0) return x;
    const rest = splitReal(total - positive.reduce((sum, i) => sum + hi[i]!, 0), new Float64Array(zero.length).fill(1), Float64Array.from(zero, (i) => lo[i]!), Float64Array.from(zero, (i) => hi[i]!));
    zero.forEach((i, k) => (x[i] = rest[k]!));
    return x;
  }

  // sumOf is non-decreasing in λ; at λ = max(hi / share) every positive item is full.
  let low = 0;
  let high = Math.max(...positive.map((i) => hi[i]! / shares[i]!));
  for (let iteration = 0; iteration < 200 && low < high; iteration++) {
    const middle = (low + high) / 2;
    if (middle === low || middle === high) break;
    if (sumOf(middle) < total) low = middle;
    else high = middle;
  }
  for (const i of positive) x[i] = Math.min(hi[i]!, Math.max(lo[i]!, high * shares[i]!));
  return x;
}

function roundToTotal(total: number, exact: Float64Array, lo: Float64Array, hi: Float64Array): Int32Array {
  const counts = Int32Array.from(exact, (x, i) => Math.min(hi[i]!, Math.max(lo[i]!, Math.floor(x))));
  let missing = total - counts.reduce((sum, count) => sum + count, 0);
  const byFraction = Array.from(exact.keys()).sort((a, b) => exact[b]! - Math.floor(exact[b]!) - (exact[a]! - Math.floor(exact[a]!)) || a - b);
  // The bisection leaves the real split within rounding of `total`, so these loops end
  // after a few passes. Each pass moves at least one unit while one is missing.
  while (missing > 0) {
    for (const i of byFraction) {
      if (missing === 0) break;
      if (counts[i]! < hi[i]!) {
        counts[i] = counts[i]! + 1;
        missing--;
      }
    }
  }
  while (missing < 0) {
    for (const i of [...byFraction].reverse()) {
      if (missing === 0) break;
      if (counts[i]! > lo[i]!) {
        counts[i] = counts[i]! - 1;
        missing++;
      }
    }
  }
  return counts;
}
