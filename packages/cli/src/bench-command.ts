import { BenchUsageError, benchUsage, type BenchOptions, parseBenchArgs, runBench } from "@starkv/bench";
import { UsageError } from "./usage-error.js";

function asUsageError(error: unknown): unknown {
  return error instanceof BenchUsageError ? new UsageError(`bench: ${error.message}`) : error;
}

/**
 * `starkv bench [options]`: times STaR-KV compression at UI-TARS-1.5-7B shapes on the
 * chosen backends and prints a table, or with `--json` one JSON object per case
 * (`case, backend, medianMs, minMs, maxMs, peakRssBytes, peakArrayBuffersBytes, runs`).
 * Returns the exit code: 0 when the benchmark ran.
 *
 * @throws UsageError for an invalid command line or an unreadable `--compare` file
 */
export function benchCommand(args: readonly string[], print: (line: string) => void): number {
  let options: BenchOptions | undefined;
  try {
    options = parseBenchArgs(args);
  } catch (error) {
    throw asUsageError(error);
  }
  if (options === undefined) {
    print(benchUsage.replace(/^Usage: bench/, "Usage: starkv bench"));
    return 0;
  }
  try {
    runBench(options, print);
  } catch (error) {
    throw asUsageError(error);
  }
  return 0;
}
