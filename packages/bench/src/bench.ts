import { readFileSync } from "node:fs";
import { type Backend, createCpuBackend } from "@starkv/core";
import { createFastCpuBackend } from "@starkv/backend-cpu";
import { type BenchCase, benchCases } from "./cases.js";
import { measureFloor } from "./floor.js";
import { formatMachine, machineInfo } from "./machine.js";
import { type BenchResult, runCase, type RunOptions } from "./run-case.js";
import { formatTable, jsonRecord } from "./format.js";

/** Backends the harness can create by name. */
export const benchBackends = ["fast-cpu", "cpu"] as const;
export type BenchBackendName = (typeof benchBackends)[number];

/** Parsed command line of the harness. */
export interface BenchOptions extends RunOptions {
  readonly cases: readonly BenchCase[];
  readonly backends: readonly BenchBackendName[];
  /** Threads of `fast-cpu`; undefined: its default. */
  readonly threads?: number;
  readonly json: boolean;
  /** Also measure the machine's SIMD and copy rates. */
  readonly floor: boolean;
  /** JSON-lines results of `tools/bench-reference` to put beside ours. */
  readonly compare?: string;
}

/** An invalid command line; the message names the argument and what to change. */
export class BenchUsageError extends Error {
  override name = "BenchUsageError";
}

export const benchUsage = `Usage: bench [options]

Times STaR-KV compression at UI-TARS-1.5-7B shapes (28 query heads, 4 KV heads,
head_dim 128, hidden 3584, window 8, kernel 5 avg-pool, budget 20 %, every axis on,
online step past the MI warm-up).

Options:
  --case NAME        run this case (repeatable); default: all of
                     ${benchCases.map((c) => c.name).join(", ")}
  --backend NAME     fast-cpu (default) or cpu (the plain TypeScript oracle); repeatable
  --threads N        threads of fast-cpu (default: available parallelism)
  --runs N           timed runs per case (default 7)
  --warmup N         untimed runs after the 10 calls of the MI warm-up (default 2)
  --profile          also time the parts of one layer's call alone
  --floor            also measure the machine's SIMD multiply-add and copy rates
  --compare FILE     JSON lines from tools/bench-reference/bench_reference.py --json;
                     adds the reference median and the speed-up per case
  --seed N           input seed (default 1)
  --json             one JSON object per case instead of the table
  --help             show this text`;

function positiveInteger(flag: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const number = Number(value);
  if (value === undefined || !Number.isInteger(number) || number < min || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new BenchUsageError(`${flag} needs an integer ${range}, got ${value === undefined ? "nothing" : JSON.stringify(value)}`);
  }
  return number;
}

/**
 * Parses the harness's arguments.
 *
 * @returns undefined when `--help` was given
 * @throws BenchUsageError naming the bad argument
 */
export function parseBenchArgs(args: readonly string[]): BenchOptions | undefined {
  const cases: BenchCase[] = [];
  const backends: BenchBackendName[] = [];
  let runs = 7;
  let warmup = 2;
  let seed = 1;
  let threads: number | undefined;
  let json = false;
  let profile = false;
  let floor = false;
  let compare: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = (): string | undefined => args[++i];
    switch (arg) {
      case "--help":
      case "-h":
        return undefined;
      case "--case": {
        const name = value();
        const found = benchCases.find((c) => c.name === name);
        if (found === undefined) throw new BenchUsageError(`unknown case ${JSON.stringify(name)}; cases are ${benchCases.map((c) => c.name).join(", ")}`);
        cases.push(found);
        break;
      }
      case "--backend": {
        const name = value();
        if (!benchBackends.includes(name as BenchBackendName)) throw new BenchUsageError(`unknown backend ${JSON.stringify(name)}; backends are ${benchBackends.join(", ")}`);
        backends.push(name as BenchBackendName);
        break;
      }
      case "--threads":
        // The fast CPU backend accepts 1 to 256 threads.
        threads = positiveInteger(arg, value(), 1, 256);
        break;
      case "--runs":
        runs = positiveInteger(arg, value(), 1);
        break;
      case "--warmup":
        warmup = positiveInteger(arg, value(), 0);
        break;
      case "--seed":
        seed = positiveInteger(arg, value(), 0);
        break;
      case "--compare": {
        compare = value();
        if (compare === undefined) throw new BenchUsageError("--compare needs a file of JSON lines");
        break;
      }
      case "--json":
        json = true;
        break;
      case "--profile":
        profile = true;
        break;
      case "--floor":
        floor = true;
        break;
      default:
        throw new BenchUsageError(`unknown argument ${JSON.stringify(arg)}; run with --help for the options`);
    }
  }
  return {
    cases: cases.length > 0 ? cases : benchCases,
    backends: backends.length > 0 ? backends : ["fast-cpu"],
    ...(threads === undefined ? {} : { threads }),
    runs,
    warmup,
    seed,
    json,
    profile,
    floor,
    ...(compare === undefined ? {} : { compare }),
  };
}

function createBackend(name: BenchBackendName, threads: number | undefined): Backend {
  return name === "cpu" ? createCpuBackend() : createFastCpuBackend(threads === undefined ? {} : { threads });
}

/** Reads reference results (JSON lines with `case` and `medianMs`) by case name. */
export function readReference(path: string): Map<string, number> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new BenchUsageError(`--compare: cannot read ${path} (${(error as Error).message}); pass the output of bench_reference.py --json`);
  }
  const medians = new Map<string, number>();
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new BenchUsageError(`--compare: line ${index + 1} of ${path} is not JSON; pass the output of bench_reference.py --json`);
    }
    const { case: name, medianMs } = record as { case?: unknown; medianMs?: unknown };
    if (typeof name !== "string" || typeof medianMs !== "number") {
      throw new BenchUsageError(`--compare: line ${index + 1} of ${path} lacks "case" or "medianMs"`);
    }
    medians.set(name, medianMs);
  }
  return medians;
}

/**
 * Runs the cases on each backend and prints a table (or JSON lines with `json`).
 * Returns the results.
 */
export function runBench(options: BenchOptions, print: (line: string) => void): BenchResult[] {
  const reference = options.compare === undefined ? undefined : readReference(options.compare);
  const machine = machineInfo();
  if (!options.json) {
    print(`machine: ${formatMachine(machine)}`);
    print(`runs: median of ${options.runs} timed runs after ${10 + options.warmup} untimed ones; peak RSS from VmHWM, arrayBuffers sampled after each run`);
  }
  if (options.floor) {
    const floor = measureFloor();
    if (options.json) print(JSON.stringify({ floor: { simdFlops: floor.simdFlops, copyBytesPerSecond: floor.copyBytesPerSecond }, machine }));
    else print(`floor (one thread): WebAssembly SIMD mul+add ${(floor.simdFlops / 1e9).toFixed(1)} GFLOP/s, copy ${(floor.copyBytesPerSecond / 1e9).toFixed(1)} GB/s`);
  }
  const results: BenchResult[] = [];
  for (const name of options.backends) {
    const backend = createBackend(name, options.threads);
    try {
      for (const benchCase of options.cases) {
        const result = runCase(benchCase, backend, options);
        results.push(result);
        if (options.json) print(JSON.stringify(jsonRecord(result, reference)));
      }
    } finally {
      backend.dispose();
    }
  }
  if (!options.json) for (const line of formatTable(results, reference)) print(line);
  return results;
}
