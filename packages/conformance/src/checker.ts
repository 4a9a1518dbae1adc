import { compareClose, compareExact, type Tolerance } from "@starkv/core";

/** The outcome of one fixture case. */
export interface CaseResult {
  readonly file: string;
  readonly name: string;
  readonly checks: number;
  readonly failures: readonly string[];
  readonly passed: boolean;
}

/** float32 tensors: `|a − b| ≤ 1e-5·|b| + 1e-8`. */
export const float32Tolerance: Tolerance = { rtol: 1e-5, atol: 1e-8 };
/** Boost values and probabilities near zero, when accumulation order differs. */
export const nearZeroTolerance: Tolerance = { rtol: 1e-5, atol: 1e-7 };
/** Scalars derived from float32 reductions (temperatures, entropies). */
export const scalarTolerance: Tolerance = { rtol: 1e-5, atol: 0 };
/** float64 MI values. */
export const float64Tolerance: Tolerance = { rtol: 1e-10, atol: 0 };

/** Collects the checks of one case and their failures. */
export class Checker {
  checks = 0;
  readonly failures: string[] = [];

  /** Values within `tolerance`. */
  close(what: string, actual: ArrayLike<number> | number | null | undefined, expected: ArrayLike<number> | number | null | undefined, tolerance: Tolerance = float32Tolerance): void {
    this.checks++;
    if (expected === null || expected === undefined || actual === null || actual === undefined) {
      if ((expected ?? null) !== (actual ?? null)) this.failures.push(`${what}: expected ${expected === null || expected === undefined ? "none" : "a value"}, got ${actual === null || actual === undefined ? "none" : "a value"}`);
      return;
    }
    const result = compareClose(typeof actual === "number" ? [actual] : actual, typeof expected === "number" ? [expected] : expected, tolerance);
    if (!result.ok) this.failures.push(`${what}: ${result.message}`);
  }

  /** Integers equal. */
  exact(what: string, actual: ArrayLike<number> | number | null | undefined, expected: ArrayLike<number> | number | null | undefined): void {
    this.checks++;
    if (expected === null || expected === undefined || actual === null || actual === undefined) {
      if ((expected ?? null) !== (actual ?? null)) this.failures.push(`${what}: expected ${expected === null || expected === undefined ? "none" : "a value"}, got ${actual === null || actual === undefined ? "none" : "a value"}`);
      return;
    }
    const result = compareExact(typeof actual === "number" ? [actual] : actual, typeof expected === "number" ? [expected] : expected);
    if (!result.ok) this.failures.push(`${what}: ${result.message}`);
  }

  /** A condition that must hold. */
  that(what: string, condition: boolean): void {
    this.checks++;
    if (!condition) this.failures.push(what);
  }

  result(file: string, name: string): CaseResult {
    return { file, name, checks: this.checks, failures: [...this.failures], passed: this.failures.length === 0 };
  }
}

/** Runs `body` with a fresh checker; an exception becomes a failure of the case. */
export function runCase(file: string, name: string, body: (check: Checker) => void): CaseResult {
  const check = new Checker();
  try {
    body(check);
  } catch (error) {
    check.failures.push(`threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
  return check.result(file, name);
}
