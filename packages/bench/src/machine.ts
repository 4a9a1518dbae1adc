import { cpus, totalmem } from "node:os";

/** Description of the machine a benchmark ran on. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly node: string;
  /** ISO 8601 date and time of the run. */
  readonly date: string;
}

/** Describes this machine from `os.cpus()` and `os.totalmem()`. */
export function machineInfo(now: Date = new Date()): MachineInfo {
  const processors = cpus();
  return {
    cpu: processors[0]?.model.trim() ?? "unknown",
    cores: processors.length,
    memoryBytes: totalmem(),
    node: process.version,
    date: now.toISOString(),
  };
}

/** Formats one line, for example `AMD EPYC, 2 cores, 24 GiB, Node v20.20.2, 2026-12-04T22:00:00.000Z`. */
export function formatMachine(info: MachineInfo): string {
  return `${info.cpu}, ${info.cores} cores, ${Math.round(info.memoryBytes / 2 ** 30)} GiB, Node ${info.node}, ${info.date}`;
}
