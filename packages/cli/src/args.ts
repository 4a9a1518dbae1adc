import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./usage-error.js";

type Options = NonNullable<ParseArgsConfig["options"]>;
/** What `parseCommandArgs` returns: typed option values and the positionals. */
export type ParsedArgs<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;

/** Parses command options strictly; a mistake becomes a `UsageError` (exit code 2). */
export function parseCommandArgs<T extends Options>(command: string, args: readonly string[], options: T): ParsedArgs<T> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${error instanceof Error ? error.message : String(error)}; run "starkv help" for the options`);
  }
}

/** Parses a number option, rejecting anything that is not a finite number in range. */
export function numberOption(command: string, name: string, value: string | undefined, fallback: number, min: number, max: number, integer = false): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed) || parsed < min || parsed > max || (integer && !Number.isInteger(parsed))) {
    throw new UsageError(`${command}: --${name} is ${JSON.stringify(value)}; expected ${integer ? "an integer" : "a number"} in [${min}, ${max}]`);
  }
  return parsed;
}
