/**
 * `y = x · Wᵀ + b` for `x` `[rows, inputs]` and `W` `[outputs, inputs]` (PyTorch's layout),
 * accumulated in float64 and stored as float32. `bias` is `[outputs]` or omitted.
 */
export function linear(x: Float32Array, rows: number, inputs: number, weight: Float32Array, outputs: number, bias?: Float32Array): Float32Array {
  const y = new Float32Array(rows * outputs);
  for (let r = 0; r < rows; r++) {
    const xo = r * inputs;
    for (let o = 0; o < outputs; o++) {
      const wo = o * inputs;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let i = 0;
      for (; i + 3 < inputs; i += 4) {
        a0 += x[xo + i]! * weight[wo + i]!;
        a1 += x[xo + i + 1]! * weight[wo + i + 1]!;
        a2 += x[xo + i + 2]! * weight[wo + i + 2]!;
        a3 += x[xo + i + 3]! * weight[wo + i + 3]!;
      }
      for (; i < inputs; i++) a0 += x[xo + i]! * weight[wo + i]!;
      y[r * outputs + o] = a0 + a1 + a2 + a3 + (bias === undefined ? 0 : bias[o]!);
    }
  }
  return y;
}

/** RMSNorm of each `[size]` row of `x` `[rows, size]`: `x / sqrt(mean(x²) + eps) · weight`, as float32. */
export function rmsNorm(x: Float32Array, rows: number, size: number, weight: Float32Array, eps: number): Float32Array {
  const y = new Float32Array(rows * size);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let i = 0; i < size; i++) sum += x[r * size + i]! ** 2;
    const scale = Math.fround(1 / Math.sqrt(Math.fround(sum / size) + eps));
    for (let i = 0; i < size; i++) y[r * size + i] = Math.fround(x[r * size + i]! * scale) * weight[i]!;
  }
  return y;
}

/** `x · sigmoid(x)`. */
export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}
