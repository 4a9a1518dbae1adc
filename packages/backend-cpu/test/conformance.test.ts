import { createCpuBackend } from "@starkv/core";
import { createFastCpuBackend } from "@starkv/backend-cpu";
import { describeBackendConformance } from "./backend-suite.js";
import { tolerances } from "./tolerances.js";

describeBackendConformance({ label: "cpu", name: "cpu", create: createCpuBackend, tolerance: tolerances["cpu"]! });
describeBackendConformance({ label: "fast-cpu threads 1", name: "fast-cpu", create: () => createFastCpuBackend({ threads: 1 }), tolerance: tolerances["fast-cpu"]! });
describeBackendConformance({ label: "fast-cpu threads 2", name: "fast-cpu", create: () => createFastCpuBackend({ threads: 2 }), tolerance: tolerances["fast-cpu"]! });
