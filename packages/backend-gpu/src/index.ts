export { createGpuBackend, type GpuBackend, type GpuBackendOptions } from "./gpu-backend.js";
export { availableGpuModes, type GpuMode, gpuModes } from "./gpu-modes.js";
