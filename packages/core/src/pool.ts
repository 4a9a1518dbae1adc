/** Pooling of the window column sums along the token axis. */
export type Pooling = "avgpool" | "maxpool";

/**
 * Returns the pooled length for `length` values and a kernel of `kernel`: `length` for
 * odd kernels, `length + 1` for even ones (stride 1, padding `floor(kernel / 2)`).
 */
export function pooledLength(length: number, kernel: number): number {
  return length + 2 * Math.floor(kernel / 2) - kernel + 1;
}

/**
 * Pools each row of `values` `[rows, length]` along its last axis with stride 1 and
 * padding `r = floor(kernel / 2)`, as PyTorch's `avg_pool1d` / `max_pool1d` do.
 *
 * - `avgpool`: the mean over the kernel with padded positions counted as zeros, so the
 *   divisor is always `kernel` (`count_include_pad=True`); `[1,2,3,4,5,6]` with kernel 5
 *   gives `[1.2, 2, 3, 4, 3.6, 3]`.
 * - `maxpool`: the maximum over the in-range positions of the kernel; padding never wins.
 *
 * Output `[rows, pooledLength(length, kernel)]`: value `p` covers inputs
 * `[p − r, p − r + kernel − 1]`. For even kernels this is one value longer than the
 * input and shifted by half a token; callers decide what to do with the extra value.
 */
export function pool1d(values: Float32Array, rows: number, length: number, kernel: number, pooling: Pooling): Float32Array {
  const radius = Math.floor(kernel / 2);
  const outLength = pooledLength(length, kernel);
  const out = new Float32Array(rows * outLength);
  const prefix = new Float64Array(length + 1);

  for (let row = 0; row < rows; row++) {
    const inOffset = row * length;
    const outOffset = row * outLength;
    if (pooling === "avgpool") {
      for (let j = 0; j < length; j++) prefix[j + 1] = prefix[j]! + values[inOffset + j]!;
      for (let p = 0; p < outLength; p++) {
        const first = Math.max(p - radius, 0);
        const last = Math.min(p - radius + kernel - 1, length - 1);
        out[outOffset + p] = last >= first ? (prefix[last + 1]! - prefix[first]!) / kernel : 0;
      }
    } else {
      for (let p = 0; p < outLength; p++) {
        const first = Math.max(p - radius, 0);
        const last = Math.min(p - radius + kernel - 1, length - 1);
        let max = -Infinity;
        for (let j = first; j <= last; j++) max = Math.max(max, values[inOffset + j]!);
        out[outOffset + p] = max;
      }
    }
  }
  return out;
}
