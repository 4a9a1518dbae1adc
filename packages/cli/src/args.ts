import { existsSync, readdirSync, statSync } from "node:fs";
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

/**
 * Splits a comma-separated option into trimmed items.
 *
 * @param example a valid list for the message, such as `5,10,20,40`
 * @throws UsageError naming the option when an item is empty
 */
export function listOption(command: string, name: string, value: string, example: string): string[] {
  const items = value.split(",").map((item) => item.trim());
  if (items.some((item) => item.length === 0)) throw new UsageError(`${command}: --${name} ${JSON.stringify(value)} has an empty item; give a comma-separated list such as ${example}`);
  return items;
}

/**
 * Checks that an output folder is new or empty, so that writing into it replaces nothing.
 *
 * @throws UsageError naming the path when it is a file or a folder with entries
 */
export function requireEmptyFolder(command: string, out: string): void {
  if (existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length > 0)) {
    throw new UsageError(`${command}: --out ${out} exists and is not an empty folder; pick a new folder so no earlier output is overwritten`);
  }
}
