import { availableGpuModes, createGpuBackend } from "@starkv/backend-gpu";
import { describeBackendConformance } from "../../backend-cpu/test/backend-suite.js";
import { gpuTolerance, headlessGlSkipReason } from "./support.js";

describeBackendConformance({ label: "gpu.js:cpu", name: "gpu.js:cpu", create: () => createGpuBackend({ mode: "cpu" }), tolerance: gpuTolerance });

const skipReason = headlessGlSkipReason(availableGpuModes());
describeBackendConformance({
  label: "gpu.js:headlessgl",
  name: "gpu.js:headlessgl",
  create: () => createGpuBackend({ mode: "headlessgl" }),
  tolerance: gpuTolerance,
  ...(skipReason === undefined ? {} : { skipReason }),
});
