#!/usr/bin/env node
// Runs the end-to-end test with vitest and closes with the plain line "N passed, M failed",
// the form the CI harness reads. Run it from apps/demo after `vite build`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";

const results = "e2e/artifacts/results.json";
mkdirSync("e2e/artifacts", { recursive: true });
rmSync(results, { force: true });
const run = spawnSync("pnpm", ["exec", "vitest", "run", "--config", "e2e/vitest.config.ts", "--reporter=default", "--reporter=json", `--outputFile=${results}`], { stdio: "inherit" });

let passed = 0;
let failed = 0;
if (existsSync(results)) {
  const report = JSON.parse(readFileSync(results, "utf8"));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  // A test file that fails before running its tests (a missing build, no Chromium) has no failed test: count it once.
  for (const file of report.testResults ?? []) {
    const failedInFile = (file.assertionResults ?? []).filter((test) => test.status === "failed").length;
    if (file.status === "failed" && failedInFile === 0) failed += 1;
  }
}
if (run.status !== 0 && failed === 0) failed = 1;
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = run.status === 0 ? 0 : 1;
