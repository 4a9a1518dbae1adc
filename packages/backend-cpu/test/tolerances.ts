import type { Tolerance } from "@starkv/core";

/**
 * Pooled-score tolerance per backend, against the reference fixtures and the `cpu`
 * oracle. The oracle accumulates in float64 and meets the fixtures' float32 tolerance.
 * `fast-cpu` works in float32 with a polynomial `exp`, and its first misses at tighter
 * tolerances were about 1e-7 relative on the fixtures, so 2e-5 leaves a wide margin.
 */
export const tolerances: Readonly<Record<string, Tolerance>> = {
  cpu: { rtol: 1e-5, atol: 1e-8 },
  "fast-cpu": { rtol: 2e-5, atol: 1e-8 },
};
