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
    const message = error instanceof Error ? error.message : String(error);
    // A negative number after an option looks like another option to parseArgs.
    const negative = args.find((arg, i) => /^-\d/.test(arg) && args[i - 1]?.startsWith("--") === true);
    const hint = negative === undefined ? "" : ` (write a negative value as --option=${negative}, though no option accepts one)`;
    throw new UsageError(`${command}: ${message.split(/\.\s/)[0]!.replace(/\.$/, "")}${hint}; run "starkv help" for the options`);
  }
}

/** Parses a number option, rejecting anything that is not a finite number in range. */
export function numberOption(command: string, name: string, value: string | undefined, fallback: number, min: number, max: number, integer = false): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  const decimal = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value.trim());
  if (!decimal || !Number.isFinite(parsed) || parsed < min || parsed > max || (integer && !Number.isInteger(parsed))) {
    // The smallest positive double stands for an open lower bound of 0.
    const range = min === Number.MIN_VALUE ? `(0, ${max}]` : `[${min}, ${max}]`;
    throw new UsageError(`${command}: --${name} is ${JSON.stringify(value)}; expected ${integer ? "an integer" : "a decimal number"} in ${range}`);
  }
  return parsed;
}
