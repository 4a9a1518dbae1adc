#!/usr/bin/env node
// Runs the whole test suite: typecheck, lint, then every vitest project, and closes with
// the plain line "N passed, M failed" (vitest tests, plus one failure per failed step).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const results = ".vitest-results.json";
const steps = [
  ["typecheck", "pnpm", ["exec", "turbo", "run", "typecheck", "--output-logs=errors-only"]],
  ["lint", "pnpm", ["exec", "eslint", "."]],
  ["vitest", "pnpm", ["exec", "vitest", "run", "--reporter=default", "--reporter=json", `--outputFile=${results}`, ...process.argv.slice(2)]],
];

rmSync(results, { force: true });
const failedSteps = [];
for (const [name, command, args] of steps) {
  console.log(`\n== ${name}: ${command} ${args.join(" ")}`);
  const run = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" } });
  if (run.status !== 0) failedSteps.push(name);
}

// The demo's end-to-end test drives Debian's Chromium against the built app; it runs
// when Chromium is installed (.ci/install-chromium.sh) and is reported as skipped otherwise.
let e2ePassed = 0;
let e2eFailed = 0;
if (existsSync("/usr/bin/chromium")) {
  console.log("\n== e2e: pnpm --filter @starkv/demo build && pnpm --filter @starkv/demo e2e");
  const build = spawnSync("pnpm", ["--filter", "@starkv/demo", "build"], { stdio: "inherit" });
  const e2e = build.status === 0 ? spawnSync("pnpm", ["--filter", "@starkv/demo", "e2e"], { encoding: "utf8", stdio: ["inherit", "pipe", "inherit"] }) : null;
  if (e2e !== null) process.stdout.write(e2e.stdout);
  const closing = /^(\d+) passed, (\d+) failed$/m.exec(e2e?.stdout ?? "");
  e2ePassed = closing === null ? 0 : Number(closing[1]);
  e2eFailed = closing === null ? 1 : Number(closing[2]);
  if (e2e?.status !== 0) {
    failedSteps.push("e2e");
    if (e2eFailed === 0) e2eFailed = 1;
  }
} else {
  console.log("\n== e2e: skipped, /usr/bin/chromium is missing (install it with .ci/install-chromium.sh)");
}

let passed = 0;
let failed = 0;
if (existsSync(results)) {
  const report = JSON.parse(readFileSync(results, "utf8"));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  // A test file that fails before running its tests (an import error) has no failed test: count it once.
  for (const file of report.testResults ?? []) {
    const failedInFile = (file.assertionResults ?? []).filter((test) => test.status === "failed").length;
    if (file.status === "failed" && failedInFile === 0) failed += 1;
  }
}
for (const name of failedSteps) if (name !== "vitest" && name !== "e2e") failed += 1;
passed += e2ePassed;
failed += e2eFailed;
if (failedSteps.includes("vitest") && failed === 0) failed = 1;
if (failedSteps.length > 0) console.log(`\nfailed steps: ${failedSteps.join(", ")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failedSteps.length === 0 ? 0 : 1;
