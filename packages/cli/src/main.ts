#!/usr/bin/env node
import { runCli } from "./cli.js";

// `pnpm -s starkv …` runs this script from the repository root; pnpm keeps the folder the
// user typed the command in as INIT_CWD, and relative paths are meant from there.
if (process.env["INIT_CWD"] !== undefined && process.env["npm_lifecycle_event"] === "starkv") process.chdir(process.env["INIT_CWD"]);

process.exitCode = await runCli(
  process.argv.slice(2),
  (line) => console.log(line),
  (line) => console.error(line),
);
