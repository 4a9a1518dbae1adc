import { type Backend, type Budget, budgetProblem, createCpuBackend, type Pooling, ProblemList } from "@starkv/core";

/** The reduction of the `G` query-head scores of a KV group to one score per KV head. */
export type GroupReduction = "mean" | "max";

/**
 * The heads that select their own positions. `"kv-head"` keeps the cache at KV-head width
 * (scores reduced over each GQA group first). `"query-head"` selects per query head as the
 * reference SnapKV does and stores `G` times more.
 */
export type SelectionWidth = "kv-head" | "query-head";

/** Options every method that has a budget accepts. */
export interface BudgetOptions {
  /** How many tokens to keep per layer, window included; default `{ percent: 20 }`. */
  readonly budget?: Budget;
  /** Observation window `w` before the clamp `max(1, min(w, C − 2))`; default 8. */
  readonly window?: number;
}

/** Options of the methods that score tokens with the pooled observation-window attention. */
export interface WindowScoreOptions extends BudgetOptions {
  /** Pooling kernel `κ`; default 5. An even kernel's extra pooled value is dropped, with a note. */
  readonly kernel?: number;
  /** Default `"avgpool"`. */
  readonly pooling?: Pooling;
  /** Group reduction before per-KV-head selection; default `"mean"`. */
  readonly reduction?: GroupReduction;
  /** Computes the window scores; default a new CPU backend. */
  readonly backend?: Backend;
}

/** Budget options with every default filled in. */
export interface ResolvedBudgetOptions {
  readonly budget: Budget;
  readonly window: number;
}

/** Window-score options with every default filled in. */
export interface ResolvedWindowScoreOptions extends ResolvedBudgetOptions {
  readonly kernel: number;
  readonly pooling: Pooling;
  readonly reduction: GroupReduction;
  readonly backend: Backend;
}

/**
 * Returns why `value` is invalid ("expected …"), or undefined when it is valid. A message
 * that starts with the option's name is reported as it is.
 */
export type Check = (value: unknown) => string | undefined;

/** Accepts an integer `≥ min`. */
export const integerFrom = (min: number): Check => (value) =>
  typeof value === "number" && Number.isInteger(value) && value >= min ? undefined : `expected an integer ≥ ${min}`;

/** Accepts a finite number in `[min, max]`, or `(min, max]` when `minOpen`. */
export const numberIn = (min: number, max: number, minOpen = false): Check => (value) => {
  const ok = typeof value === "number" && Number.isFinite(value) && (minOpen ? value > min : value >= min) && value <= max;
  return ok ? undefined : `expected a number in ${minOpen ? "(" : "["}${min}, ${max === Infinity ? "∞" : max}]`;
};

/** Accepts one of `choices`. */
export const oneOf = (...choices: string[]): Check => (value) =>
  typeof value === "string" && choices.includes(value) ? undefined : `expected one of ${choices.map((choice) => JSON.stringify(choice)).join(", ")}`;

// budgetProblem() already names the field ("budget.percent is …"), so its message is used whole.
const budgetCheck: Check = (value) => budgetProblem(value);

const backendCheck: Check = (value) => {
  const backend = value as Partial<Backend> | null;
  const ok = typeof backend === "object" && backend !== null && typeof backend.name === "string" && typeof backend.windowScores === "function";
  return ok ? undefined : "expected a Backend (for example createCpuBackend())";
};

/** Checks of the budget options. */
export const budgetChecks: Record<string, Check> = { budget: budgetCheck, window: integerFrom(1) };

/** Checks of the window-score options. */
export const windowScoreChecks: Record<string, Check> = {
  ...budgetChecks,
  kernel: integerFrom(1),
  pooling: oneOf("avgpool", "maxpool"),
  reduction: oneOf("mean", "max"),
  backend: backendCheck,
};

function describe(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  return JSON.stringify(value) ?? typeof value;
}

/**
 * Checks `options` against `checks` and throws every problem at once: unknown keys and
 * invalid values. Undefined values count as omitted.
 *
 * @param where the public function, for example `'createMethod("snapkv")'`
 * @throws OptionsError listing every problem
 */
export function checkOptions(where: string, options: unknown, checks: Record<string, Check>): void {
  const problems = new ProblemList();
  if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options))) {
    problems.add(`options is ${describe(options)}; expected an options object`);
    problems.throwIfAny(where);
  }
  const given = (options ?? {}) as Record<string, unknown>;
  const known = Object.keys(checks);
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const check = checks[key];
    if (check === undefined) {
      problems.add(`unknown option ${key}; known options are ${known.join(", ") || "(none)"}`);
      continue;
    }
    const problem = check(value);
    if (problem === undefined) continue;
    problems.add(problem.startsWith(key) ? problem : `${key} is ${describe(value)}; ${problem}`);
  }
  problems.throwIfAny(where);
}

/** Fills in the budget defaults: 20 % of the prompt, window 8. */
export function resolveBudgetOptions(options: BudgetOptions): ResolvedBudgetOptions {
  return { budget: options.budget ?? { percent: 20 }, window: options.window ?? 8 };
}

/**
 * Fills in the window-score defaults of the GUI-agent papers: window 8, kernel 5, average
 * pooling, mean over each group (published SnapKV configurations use window 32, kernel 7
 * and max pooling instead).
 */
export function resolveWindowScoreOptions(options: WindowScoreOptions): ResolvedWindowScoreOptions {
  return {
    ...resolveBudgetOptions(options),
    kernel: options.kernel ?? 5,
    pooling: options.pooling ?? "avgpool",
    reduction: options.reduction ?? "mean",
    backend: options.backend ?? createCpuBackend(),
  };
}
