import * as gpujs from "gpu.js";
import { CPUKernel, GPU, HeadlessGLKernel, WebGL2Kernel, WebGLKernel } from "gpu.js";

/** gpu.js modes this backend can run in. */
export const gpuModes = ["cpu", "headlessgl", "webgl", "webgl2", "webgpu"] as const;
export type GpuMode = (typeof gpuModes)[number];

/** The gpu.js kernel class that runs each mode; compared exactly, since gpu.js can swap kernels at run time. */
export const kernelClasses: Readonly<Record<GpuMode, unknown>> = {
  cpu: CPUKernel,
  headlessgl: HeadlessGLKernel,
  webgl: WebGLKernel,
  webgl2: WebGL2Kernel,
  // gpu.js 2.24.1 exports WebGPUKernel at run time but not in its type declarations.
  webgpu: (gpujs as unknown as Record<string, unknown>)["WebGPUKernel"],
};

/**
 * Returns the modes gpu.js reports as supported here, from its static checks
 * (`GPU.isHeadlessGLSupported` and so on). `cpu` is always listed. WebGPU is listed
 * when the API exists; an adapter may still be missing.
 */
export function availableGpuModes(): GpuMode[] {
  const gpu = GPU as unknown as Record<string, boolean>;
  const modes: GpuMode[] = ["cpu"];
  if (gpu["isHeadlessGLSupported"] === true) modes.push("headlessgl");
  if (gpu["isWebGLSupported"] === true) modes.push("webgl");
  if (gpu["isWebGL2Supported"] === true) modes.push("webgl2");
  if (gpu["isWebGPUSupported"] === true) modes.push("webgpu");
  return modes;
}

/**
 * Returns the mode of the kernel instance behind a gpu.js kernel shortcut, or
 * undefined when its class is not one of the known kernel classes.
 */
export function runningMode(shortcut: unknown): GpuMode | undefined {
  const kernel = (shortcut as { kernel?: object } | undefined)?.kernel;
  if (kernel === undefined) return undefined;
  return gpuModes.find((mode) => kernel.constructor === kernelClasses[mode]);
}
