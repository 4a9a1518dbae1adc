import type { TestbedConfig } from "./model-weights.js";

/**
 * Rotation angles `[head_dim / 2]` for one token: frequency `i` is
 * `theta^(−2i / head_dim)` and reads the time, row or column position by `i mod 3`
 * (interleaved multimodal RoPE). `positions` contains the token's three positions.
 */
export function ropeAngles(config: TestbedConfig, positions: ArrayLike<number>): Float32Array {
  const half = config.head_dim / 2;
  const angles = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const inverse = 1 / config.rope_theta ** ((2 * i) / config.head_dim);
    angles[i] = positions[i % 3]! * inverse;
  }
  return angles;
}

/**
 * Rotates `heads` vectors of `head_dim` in place (rotate-half layout: the first half pairs
 * with the second), `x` `[heads, head_dim]` starting at `offset` with stride `head_dim`.
 */
export function rotateHeads(x: Float32Array, offset: number, heads: number, headDim: number, angles: Float32Array): void {
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    const base = offset + h * headDim;
    for (let i = 0; i < half; i++) {
      const cos = Math.fround(Math.cos(angles[i]!));
      const sin = Math.fround(Math.sin(angles[i]!));
      const first = x[base + i]!;
      const second = x[base + half + i]!;
      x[base + i] = Math.fround(first * cos) - Math.fround(second * sin);
      x[base + half + i] = Math.fround(second * cos) + Math.fround(first * sin);
    }
  }
}
