import { conformanceCommand } from "./conformance-command.js";
import { UsageError } from "./usage-error.js";

export const usage = `Usage: starkv <command> [options]

Commands:
  conformance DIR   Run every reference fixture file (*.json) in DIR through the
                    library; prints one line per case and "N passed, M failed".
                    Exit code 1 when a case fails.
  help              Show this text.

Exit codes: 0 success, 1 a check failed, 2 invalid command line or input.`;

/** Runs the CLI with `args` (without `node` and the script) and returns the exit code. */
export function runCli(args: readonly string[], out: (line: string) => void, err: (line: string) => void): number {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        out(usage);
        return command === undefined ? 2 : 0;
      case "conformance":
        return conformanceCommand(rest, out);
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; run "starkv help" for the list of commands`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      err(`starkv: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
