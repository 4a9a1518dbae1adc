import { measureSimdPeak } from "@starkv/backend-cpu";

/** Rates of one thread of this machine. */
export interface MachineFloor {
  /** f32 FLOP/s of WebAssembly SIMD multiply plus add (2 FLOP per lane). */
  readonly simdFlops: number;
  /** Bytes/s moved by `TypedArray.set` over 256 MiB, reads and writes counted. */
  readonly copyBytesPerSecond: number;
}

/**
 * Measures the floor of the window-score work on one thread: the WebAssembly SIMD
 * multiply-add rate the fast CPU kernels are limited by, and the bandwidth of a large
 * copy. Takes about a second.
 */
export function measureFloor(): MachineFloor {
  const simdFlops = measureSimdPeak();
  const length = 2 ** 26; // 256 MiB of float32
  const source = new Float32Array(length).fill(1);
  const target = new Float32Array(length);
  target.set(source);
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    target.set(source);
    best = Math.min(best, performance.now() - start);
  }
  return { simdFlops, copyBytesPerSecond: (2 * length * 4) / (best / 1000) };
}
