import type { Backend } from "./backend.js";
import { formatShape, type Tensor, unravelIndex } from "./tensor.js";

/**
 * Throws when a tensor contains NaN or an infinity, naming the first bad position.
 *
 * @param where the public function, for example `"compress()"`
 * @param name the argument, for example `"keys"`
 * @param backend its `firstNonFinite` kernel scans the values when it has one
 */
export function assertFinite(where: string, name: string, value: Tensor, backend?: Backend): void {
  const bad = backend?.firstNonFinite !== undefined ? backend.firstNonFinite(value.data) : firstNonFinite(value.data);
  if (bad >= 0) {
    throw new RangeError(
      `${where}: ${name} holds ${value.data[bad]} at index ${formatShape(unravelIndex(bad, value.shape))} (shape ${formatShape(value.shape)}); every value must be finite`,
    );
  }
}

/**
 * Returns the index of the first NaN or infinity in `data`, or -1.
 *
 * `x · 0` is ±0 for every finite `x` and NaN otherwise. So a block whose sum of `x · 0` is
 * 0 contains only finite values, and only a block that fails is scanned value by value.
 * Four partial sums let the loop run without waiting on one accumulator.
 */
export function firstNonFinite(data: Float32Array): number {
  const block = 4096;
  const length = data.length;
  for (let start = 0; start < length; start += block) {
    const end = Math.min(start + block, length);
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    let i = start;
    for (; i + 3 < end; i += 4) {
      a += data[i]! * 0;
      b += data[i + 1]! * 0;
      c += data[i + 2]! * 0;
      d += data[i + 3]! * 0;
    }
    for (; i < end; i++) a += data[i]! * 0;
    if (a + b + c + d !== 0) {
      for (let j = start; j < end; j++) if (!Number.isFinite(data[j])) return j;
    }
  }
  return -1;
}

/** Throws unless `value` has `rank` axes; `axes` names them for the message. */
export function assertRank(where: string, name: string, value: Tensor, axes: readonly string[]): void {
  if (value.shape.length !== axes.length) {
    throw new RangeError(
      `${where}: ${name} has shape ${formatShape(value.shape)} but must have ${axes.length} axes [${axes.join(", ")}]`,
    );
  }
}

/** Returns true when `value` is an integer in `[min, max]`. */
export function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** Returns true when `value` is a finite number in `[min, max]`. */
export function isNumberIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= min && value <= max;
}
