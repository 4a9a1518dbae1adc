import type { Tolerance } from "@starkv/core";

/**
 * Pooled-score tolerance of the gpu.js backend against the fixtures and the `cpu`
 * oracle: single-precision kernels with the GPU's own `exp`, so 1e-4 absolute.
 */
export const gpuTolerance: Tolerance = { rtol: 0, atol: 1e-4 };

/** Environment variable that makes the headless-gl tests mandatory (CI sets it). */
export const requireGlVariable = "STARKV_REQUIRE_GL";

/**
 * Returns why the headless-gl tests cannot run here, or undefined when they can. The
 * reason is printed once. With `STARKV_REQUIRE_GL=1` a missing headless-gl throws
 * instead, so that CI cannot pass by skipping.
 */
export function headlessGlSkipReason(available: readonly string[]): string | undefined {
  if (available.includes("headlessgl")) return undefined;
  const reason =
    "headless-gl is unavailable: gpu.js reports no headlessgl mode (build the gl package with .ci/install-gl.sh and pnpm install, and run under xvfb-run -a)";
  if (process.env[requireGlVariable] === "1") throw new Error(`${requireGlVariable}=1 but ${reason}`);
  console.warn(`skipping the gpu.js:headlessgl tests: ${reason}`);
  return reason;
}
