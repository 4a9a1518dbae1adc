/**
 * A dense row-major float32 tensor. The fields are readonly: library functions never
 * write into a tensor they were given, they allocate a new one.
 */
export interface Tensor {
  /** Axis lengths, outermost first, for example `[kvHeads, tokens, headDim]`. */
  readonly shape: readonly number[];
  /** Row-major values; `data.length` equals the product of `shape`. */
  readonly data: Float32Array;
}

/** Axes shown by `formatShape` before it cuts a shape short. */
const maxShownAxes = 8;

/** Formats a shape the way error messages print it: `[4, 512, 128]`. */
export function formatShape(shape: readonly number[]): string {
  // A shape has a handful of axes; a long one is usually data passed in its place, so it is cut short.
  if (shape.length > maxShownAxes) return `[${Array.from(shape.slice(0, maxShownAxes)).join(", ")}, … ${shape.length} entries in all]`;
  return `[${shape.join(", ")}]`;
}

/** Returns the number of elements of a shape (1 for a scalar shape `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const length of shape) size *= length;
  return size;
}

/**
 * Builds a tensor and checks its shape against its data.
 *
 * A `Float32Array` is wrapped without a copy; a plain number array is copied into a new
 * `Float32Array` (values round to float32).
 *
 * @param data row-major values
 * @param shape axis lengths; each must be a non-negative integer
 * @param name what the tensor is, used in error messages
 * @throws RangeError when an axis length is invalid or `data.length` differs from the
 *   product of `shape`
 */
export function tensor(data: Float32Array | readonly number[], shape: readonly number[], name = "tensor"): Tensor {
  for (const [axis, length] of shape.entries()) {
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(
        `tensor(): ${name} has shape ${formatShape(shape)}, whose axis ${axis} is ${length}; every axis length must be a non-negative integer`,
      );
    }
  }
  const expected = sizeOf(shape);
  if (data.length !== expected) {
    throw new RangeError(
      `tensor(): ${name} has ${data.length} values but shape ${formatShape(shape)} needs ${expected}; pass data of that length or fix the shape`,
    );
  }
  const values = data instanceof Float32Array ? data : Float32Array.from(data);
  return Object.freeze({ shape: Object.freeze([...shape]), data: values });
}

/** Returns the zero-based flat index as a multi-index, for error messages. */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const length = shape[axis]!;
    index[axis] = length === 0 ? 0 : rest % length;
    rest = length === 0 ? 0 : Math.floor(rest / length);
  }
  return index;
}
