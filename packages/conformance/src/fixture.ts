/** A tensor as the fixture files encode it. */
export interface EncodedTensor {
  readonly dtype: "float32" | "float64" | "int64";
  readonly shape: readonly number[];
  readonly data?: readonly number[];
  readonly scale?: number;
  readonly ints?: readonly number[];
}

/** A decoded fixture tensor: values as doubles (exact float32 values for float32 tensors). */
export interface Decoded {
  readonly shape: readonly number[];
  readonly dtype: EncodedTensor["dtype"];
  readonly values: Float64Array;
}

export function isEncodedTensor(value: unknown): value is EncodedTensor {
  return typeof value === "object" && value !== null && "dtype" in value && "shape" in value && ("data" in value || "ints" in value);
}

/**
 * Decodes a fixture tensor. float32 `data` is rounded with `Math.fround`; quantised
 * tensors are `ints[i] · scale`, exact in float32.
 *
 * @throws TypeError when `value` is not an encoded tensor, naming `where`
 */
export function decode(value: unknown, where: string): Decoded {
  if (!isEncodedTensor(value)) throw new TypeError(`${where}: expected a tensor { dtype, shape, data | ints }, got ${JSON.stringify(value)?.slice(0, 80)}`);
  const size = value.shape.reduce((a, b) => a * b, 1);
  let values: Float64Array;
  if (value.ints !== undefined) {
    const scale = value.scale ?? 1;
    values = Float64Array.from(value.ints, (n) => n * scale);
  } else {
    values = Float64Array.from(value.data ?? []);
    if (value.dtype === "float32") for (let i = 0; i < values.length; i++) values[i] = Math.fround(values[i]!);
  }
  if (values.length !== size) throw new RangeError(`${where}: shape [${value.shape.join(", ")}] needs ${size} values but ${values.length} are stored`);
  return { shape: value.shape, dtype: value.dtype, values };
}

/** Returns the `index`-th block along the first axis of a decoded tensor. */
export function slice0(tensor: Decoded, index: number): Decoded {
  const inner = tensor.shape.slice(1);
  const size = inner.reduce((a, b) => a * b, 1);
  return { shape: inner, dtype: tensor.dtype, values: tensor.values.subarray(index * size, (index + 1) * size) };
}
