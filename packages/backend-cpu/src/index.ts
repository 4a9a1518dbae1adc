export { createFastCpuBackend, type FastCpuBackend, type FastCpuOptions } from "./fast-cpu-backend.js";
export { type CallShape, kernelLayout, type KernelLayout } from "./kernel-layout.js";
export { rowNormModule } from "./norm-kernel.js";
export { scanModule } from "./scan-kernel.js";
export { windowKernelModule } from "./window-kernels.js";
export { measureSimdPeak, simdPeakModule } from "./simd-peak.js";
