import { existsSync, statSync } from "node:fs";
import { type CaseResult, runFixtureDirectory } from "@starkv/conformance";
import { UsageError } from "./usage-error.js";

/** Formats one case as a report line; failures list their first problems below it. */
export function formatCase(result: CaseResult, maxFailures = 5): string {
  const head = `${result.passed ? "PASS" : "FAIL"}  ${result.file}  ${result.name}  (${result.checks} checks)`;
  if (result.passed) return head;
  const shown = result.failures.slice(0, maxFailures).map((failure) => `      ${failure}`);
  const more = result.failures.length > maxFailures ? [`      … and ${result.failures.length - maxFailures} more`] : [];
  return [head, ...shown, ...more].join("\n");
}

/**
 * `starkv conformance DIR`: runs every fixture file in DIR, prints one line per case and
 * a last line `N passed, M failed`. Returns the exit code: 0 when all pass, 1 otherwise.
 */
export function conformanceCommand(args: readonly string[], print: (line: string) => void): number {
  if (args.length !== 1) throw new UsageError(`conformance takes one folder of fixture *.json files, got ${args.length} arguments`);
  const directory = args[0]!;
  if (!existsSync(directory)) throw new UsageError(`conformance: folder ${directory} does not exist; pass the folder that holds the fixture *.json files (the repository ships fixtures/golden)`);
  if (!statSync(directory).isDirectory()) throw new UsageError(`conformance: ${directory} is a file; pass the folder that holds the fixture *.json files`);
  const results = runFixtureDirectory(directory);
  if (results.length === 0) throw new UsageError(`conformance: no *.json fixture file found in ${directory}; pass the folder that contains them`);
  let passed = 0;
  for (const result of results) {
    print(formatCase(result));
    if (result.passed) passed++;
  }
  const checks = results.reduce((total, result) => total + result.checks, 0);
  print(`${checks} checks in ${results.length} cases`);
  print(`${passed} passed, ${results.length - passed} failed`);
  return passed === results.length ? 0 : 1;
}
