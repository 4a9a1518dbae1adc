import { type Backend, type BoostOptions, type Budget, budgetProblem, ProblemList, type Pooling, type Selector } from "@starkv/core";
import { defaultBins, type OnlinePriorOptions } from "@starkv/mi";
import type { SharpenOptions } from "@starkv/sharpen";
import type { TemporalOptions } from "@starkv/temporal";

/**
 * Options of `createStarKV`. Every field is optional; omitted fields take the
 * reproduction settings of the STaR-KV authors (see `referenceDefaults`). An axis set to
 * `false` is switched off; an object is merged over that axis's defaults.
 */
export interface StarKVOptions {
  readonly budget?: Budget;
  readonly window?: number;
  readonly kernel?: number;
  readonly pooling?: Pooling;
  readonly boost?: Partial<BoostOptions> | false;
  readonly mi?: Partial<OnlinePriorOptions> | false;
  readonly temporal?: Partial<TemporalOptions> | false;
  readonly sharpen?: Partial<SharpenOptions> | false;
  readonly batchState?: "per-row" | "shared";
  readonly selector?: Selector;
  readonly backend?: Backend;
  readonly trace?: boolean;
}

/** `StarKVOptions` with every default filled in. */
export interface ResolvedStarKVOptions {
  readonly budget: Budget;
  readonly window: number;
  readonly kernel: number;
  readonly pooling: Pooling;
  readonly boost: BoostOptions | false;
  readonly mi: OnlinePriorOptions | false;
  readonly temporal: TemporalOptions | false;
  readonly sharpen: SharpenOptions | false;
  readonly batchState: "per-row" | "shared";
  readonly selector?: Selector;
  readonly backend?: Backend;
  readonly trace: boolean;
}

/**
 * The reproduction settings of the authors' scripts: budget 20 %, window 8, kernel 5
 * average pooling, boost `α = 2, τ_s = 3.5`, MI prior `λ* = 0.5, N = 5, d = 0.9, τ = 1,
 * R = 10` on a guessed square grid with 12 × 12 × 16 bins, temporal discount
 * `δ = 0.1, ρ = 0.9, ε = 0, d_min = 0`, no warm-up, AEB temperature in [0.75, 1.25]
 * without smoothing.
 */
export const referenceDefaults = Object.freeze({
  budget: Object.freeze({ percent: 20 }),
  window: 8,
  kernel: 5,
  pooling: "avgpool",
  boost: Object.freeze({ alpha: 2, temperature: 3.5 }),
  mi: Object.freeze({ lambda: 0.5, profileSteps: 5, decay: 0.9, tau: 1, rampSteps: 10, grid: "square-guess" as const, bins: defaultBins, normalisation: "min-max" as const }),
  temporal: Object.freeze({ delta: 0.1, rho: 0.9, eps: 0, discountMin: 0, warmupSteps: 0, countUncompressedCalls: true }),
  sharpen: Object.freeze({ minScale: 0.75, maxScale: 1.25, smooth: 0, keepTemperatureOnReset: true }),
});

const topKeys = ["budget", "window", "kernel", "pooling", "boost", "mi", "temporal", "sharpen", "batchState", "selector", "backend", "trace"];

type Check = (value: unknown) => string | undefined;

const finiteIn = (min: number, max: number, minOpen = false, maxOpen = false): Check => (value) => {
  const ok = typeof value === "number" && Number.isFinite(value) && (minOpen ? value > min : value >= min) && (maxOpen ? value < max : value <= max);
  return ok ? undefined : `expected a number in ${minOpen ? "(" : "["}${min}, ${max === Infinity ? "∞" : max}${maxOpen ? ")" : "]"}`;
};
const integerFrom = (min: number): Check => (value) =>
  typeof value === "number" && Number.isInteger(value) && value >= min ? undefined : `expected an integer ≥ ${min}`;
const oneOf = (...choices: string[]): Check => (value) =>
  typeof value === "string" && choices.includes(value) ? undefined : `expected one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`;
const boolean: Check = (value) => (typeof value === "boolean" ? undefined : "expected true or false");
const binsCheck: Check = (value) => {
  if (typeof value !== "object" || value === null) return "expected { rows, cols, values }";
  const bins = value as Record<string, unknown>;
  const keys = Object.keys(bins);
  const bad = ["rows", "cols", "values"].filter((key) => integerFrom(1)(bins[key]) !== undefined);
  const unknown = keys.filter((key) => !["rows", "cols", "values"].includes(key));
  if (bad.length > 0 || unknown.length > 0) return "expected { rows, cols, values }, each an integer ≥ 1";
  return undefined;
};

const axisChecks: Record<"boost" | "mi" | "temporal" | "sharpen", Record<string, Check>> = {
  boost: { alpha: finiteIn(0, Infinity), temperature: finiteIn(0, Infinity, true) },
  mi: {
    lambda: finiteIn(0, 1),
    profileSteps: integerFrom(0),
    decay: finiteIn(0, 1, false, true),
    tau: finiteIn(0, Infinity, true),
    rampSteps: integerFrom(1),
    grid: oneOf("square-guess", "image"),
    bins: binsCheck,
    normalisation: oneOf("min-max", "max"),
  },
  temporal: {
    delta: finiteIn(0, Infinity),
    rho: finiteIn(0, 1, false, true),
    eps: finiteIn(0, 1),
    discountMin: finiteIn(0, 1),
    warmupSteps: integerFrom(0),
    countUncompressedCalls: boolean,
  },
  sharpen: { minScale: finiteIn(0, Infinity, true), maxScale: finiteIn(0, Infinity, true), smooth: finiteIn(0, 1, false, true), keepTemperatureOnReset: boolean },
};

function describe(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  return JSON.stringify(value) ?? typeof value;
}

function resolveAxis<Name extends keyof typeof axisChecks>(name: Name, value: unknown, defaults: object, problems: ProblemList): object | false {
  if (value === undefined) return defaults;
  if (value === false) return false;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.add(`${name} is ${describe(value)}; expected an options object or false`);
    return false;
  }
  const checks = axisChecks[name];
  const given = value as Record<string, unknown>;
  const present = Object.fromEntries(Object.entries(given).filter(([, field]) => field !== undefined));
  for (const [key, field] of Object.entries(present)) {
    const check = checks[key];
    if (check === undefined) {
      problems.add(`${name}.${key} is not an option; known options of ${name} are ${Object.keys(checks).join(", ")}`);
      continue;
    }
    const problem = check(field);
    if (problem !== undefined) problems.add(`${name}.${key} is ${describe(field)}; ${problem}`);
  }
  return { ...defaults, ...present };
}

/**
 * Fills in defaults and validates every option, reporting all problems at once.
 *
 * @throws OptionsError listing each invalid value with what was expected
 */
export function resolveStarKVOptions(options: StarKVOptions = {}): ResolvedStarKVOptions {
  const problems = new ProblemList();
  if (typeof options !== "object" || options === null) {
    problems.add(`options is ${describe(options)}; expected an object`);
    problems.throwIfAny("createStarKV()");
  }
  for (const key of Object.keys(options)) {
    if (!topKeys.includes(key)) problems.add(`${key} is not an option; known options are ${topKeys.join(", ")}`);
  }
  const budget = options.budget ?? referenceDefaults.budget;
  const budgetIssue = budgetProblem(budget);
  if (budgetIssue !== undefined) problems.add(budgetIssue);
  const window = options.window ?? referenceDefaults.window;
  if (integerFrom(1)(window) !== undefined) problems.add(`window is ${describe(window)}; expected an integer ≥ 1`);
  const kernel = options.kernel ?? referenceDefaults.kernel;
  if (integerFrom(1)(kernel) !== undefined) problems.add(`kernel is ${describe(kernel)}; expected an integer ≥ 1`);
  const pooling = options.pooling ?? referenceDefaults.pooling;
  const poolingIssue = oneOf("avgpool", "maxpool")(pooling);
  if (poolingIssue !== undefined) problems.add(`pooling is ${describe(pooling)}; ${poolingIssue}`);
  const batchState = options.batchState ?? "per-row";
  const batchIssue = oneOf("per-row", "shared")(batchState);
  if (batchIssue !== undefined) problems.add(`batchState is ${describe(batchState)}; ${batchIssue}`);
  if (options.trace !== undefined && typeof options.trace !== "boolean") problems.add(`trace is ${describe(options.trace)}; expected true or false`);

  const boost = resolveAxis("boost", options.boost, referenceDefaults.boost, problems) as BoostOptions | false;
  const mi = resolveAxis("mi", options.mi, referenceDefaults.mi, problems) as OnlinePriorOptions | false;
  const temporal = resolveAxis("temporal", options.temporal, referenceDefaults.temporal, problems) as TemporalOptions | false;
  const sharpen = resolveAxis("sharpen", options.sharpen, referenceDefaults.sharpen, problems) as SharpenOptions | false;
  if (sharpen !== false && typeof sharpen.minScale === "number" && typeof sharpen.maxScale === "number" && sharpen.minScale > sharpen.maxScale) {
    problems.add(`sharpen.minScale ${sharpen.minScale} is above sharpen.maxScale ${sharpen.maxScale}; expected minScale ≤ maxScale`);
  }
  problems.throwIfAny("createStarKV()");

  return {
    budget,
    window,
    kernel,
    pooling,
    boost,
    mi,
    temporal,
    sharpen,
    batchState,
    ...(options.selector === undefined ? {} : { selector: options.selector }),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    trace: options.trace ?? false,
  };
}
