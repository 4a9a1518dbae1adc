import { runCli } from "@starkv/cli";

/** What one CLI run printed: the exit code, standard output and standard error as text. */
export interface CliRun {
  readonly code: number;
  readonly text: string;
  readonly err: string;
}

/** Runs the `starkv` CLI in-process with `args` and collects what it prints. */
export async function run(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, (line) => out.push(line), (line) => err.push(line));
  return { code, text: out.join("\n"), err: err.join("\n") };
}
