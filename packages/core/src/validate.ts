import { formatShape, type Tensor, unravelIndex } from "./tensor.js";

/**
 * Throws when a tensor holds NaN or an infinity, naming the first bad position.
 *
 * @param where the public function, for example `"compress()"`
 * @param name the argument, for example `"keys"`
 */
export function assertFinite(where: string, name: string, value: Tensor): void {
  const data = value.data;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new RangeError(
        `${where}: ${name} holds ${data[i]} at index ${formatShape(unravelIndex(i, value.shape))} (shape ${formatShape(value.shape)}); every value must be finite`,
      );
    }
  }
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
