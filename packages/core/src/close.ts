/** Tolerance of a closeness check: `|actual − expected| ≤ atol + rtol · |expected|`. */
export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** The outcome of comparing two arrays value by value. */
export interface Closeness {
  readonly ok: boolean;
  /** Values outside the tolerance (a length mismatch counts as one). */
  readonly misses: number;
  /** First bad index, or -1. */
  readonly firstBad: number;
  /** Human-readable summary of the first miss, empty when ok. */
  readonly message: string;
}

/**
 * Compares `actual` with `expected` within `tolerance` and reports the first bad index and
 * the number of misses. NaN matches only NaN.
 */
export function compareClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: Tolerance): Closeness {
  if (actual.length !== expected.length) {
    return { ok: false, misses: 1, firstBad: 0, message: `length ${actual.length} differs from the expected ${expected.length}` };
  }
  let misses = 0;
  let firstBad = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const close = Number.isNaN(e) ? Number.isNaN(a) : Math.abs(a - e) <= tolerance.atol + tolerance.rtol * Math.abs(e);
    if (!close) {
      misses++;
      if (firstBad < 0) firstBad = i;
    }
  }
  if (misses === 0) return { ok: true, misses: 0, firstBad: -1, message: "" };
  const a = actual[firstBad]!;
  const e = expected[firstBad]!;
  return {
    ok: false,
    misses,
    firstBad,
    message: `${misses} of ${expected.length} values differ; first at index ${firstBad}: ${a} vs expected ${e} (|diff| ${Math.abs(a - e)}, allowed ${tolerance.atol + tolerance.rtol * Math.abs(e)})`,
  };
}

/** Compares integer arrays exactly. */
export function compareExact(actual: ArrayLike<number>, expected: ArrayLike<number>): Closeness {
  return compareClose(actual, expected, { rtol: 0, atol: 0 });
}
