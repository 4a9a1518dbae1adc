#!/usr/bin/env node
import { BenchUsageError, benchUsage, parseBenchArgs, runBench } from "./bench.js";

try {
  const options = parseBenchArgs(process.argv.slice(2));
  if (options === undefined) console.log(benchUsage);
  else runBench(options, (line) => console.log(line));
} catch (error) {
  if (!(error instanceof BenchUsageError)) throw error;
  console.error(`bench: ${error.message}`);
  process.exitCode = 2;
}
