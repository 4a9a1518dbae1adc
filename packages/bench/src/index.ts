export { BenchUsageError, benchBackends, type BenchBackendName, type BenchOptions, benchUsage, parseBenchArgs, readReference, runBench } from "./bench.js";
export { type BenchCase, benchCases, caseInputs, createRandom, model, screenshotSpans, settings } from "./cases.js";
export { type MachineFloor, measureFloor } from "./floor.js";
export { formatTable, jsonRecord } from "./format.js";
export { formatMachine, type MachineInfo, machineInfo } from "./machine.js";
export { MemoryPeaks } from "./memory.js";
export { type BenchResult, runCase, type RunOptions } from "./run-case.js";
