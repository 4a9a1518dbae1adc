import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Session, type Tensor } from "@starkv/core";
import { layerQuality } from "@starkv/metrics";
import { listOption, numberOption, parseCommandArgs } from "./args.js";
import { compressStep, inputErrorsAsUsage } from "./compress-run.js";
import { table } from "./format.js";
import { createMethod, methodNames } from "./methods.js";
import { lineChartSvg, type Series } from "./plot.js";
import { ProgressBar } from "./progress.js";
import { renderPng } from "./render-png.js";
import { captureStep, embeddedSteps, type Step, syntheticSteps } from "./sources.js";
import { UsageError } from "./usage-error.js";

/** One row of the comparison: a metric of a method at a budget, averaged over steps and layers. */
export interface ComparisonRow {
  readonly method: string;
  readonly budget: number;
  readonly metric: string;
  readonly value: number;
}

const metrics = {
  "recall-window": "attention-mass recall, window queries",
  "recall-held-out": "attention-mass recall, held-out queries",
  "output-error": "relative attention-output error",
  "target-coverage": "target-box tokens kept",
  "current-screen-kept": "share of the current screenshot kept",
} as const;
type Metric = keyof typeof metrics;

/** Returns the observation window a capture was written with. */
function windowOf(path: string): number {
  const step = captureStep(path);
  step.close();
  return step.window;
}

/** Layers of the synthetic source that `compare --synthetic` measures (two of the four, to keep it quick). */
export const compareSyntheticLayers: readonly number[] = [14, 27];

/**
 * `starkv compare [CAPTURE…] --methods starkv,snapkv,… --budgets 10,20,40`: runs every
 * method at every budget on the same inputs (one session per method, budget and
 * episode) and prints a table per metric; `--plot DIR` writes an SVG and a PNG per metric;
 * `--json` prints `{ method, budget, metric, value }` rows.
 */
export async function compareCommand(args: readonly string[], print: (line: string) => void): Promise<number> {
  const { values, positionals } = parseCommandArgs("compare", args, {
    methods: { type: "string", default: methodNames().join(",") },
    budgets: { type: "string", default: "10,20,40" },
    window: { type: "string" },
    steps: { type: "string" },
    plot: { type: "string" },
    json: { type: "boolean", default: false },
    synthetic: { type: "boolean", default: false },
  });
  if (values.synthetic && positionals.length > 0) throw new UsageError("compare: --synthetic replaces the embedded default; give it without captures");
  const methods = listOption("compare", "methods", values.methods, "starkv,snapkv,full");
  for (const name of methods) createMethod(name, { percent: 20 }, 8); // rejects unknown names before any work
  const budgets = listOption("compare", "budgets", values.budgets, "10,20,40").map((b) => numberOption("compare", "budgets", b, 20, Number.MIN_VALUE, 100));
  const maxSteps = values.steps === undefined ? Infinity : numberOption("compare", "steps", values.steps, 1, 1, 1e6, true);

  const loadSteps = (): Step[] => {
    let steps: Step[];
    if (positionals.length > 0) steps = positionals.map(captureStep);
    else if (values.synthetic) steps = syntheticSteps().map((step) => ({ ...step, layers: compareSyntheticLayers }));
    else steps = embeddedSteps();
    return steps.slice(0, maxSteps);
  };
  const source =
    positionals.length > 0
      ? positionals.join(", ")
      : values.synthetic
        ? `synthetic tensors on the UI-TARS-1.5-7B layout, layers ${compareSyntheticLayers.join(", ")}`
        : "embedded default (the starkv testbed model on real AgentNetBench screenshots), layers 0-3";

  const window = numberOption("compare", "window", values.window, positionals.length > 0 ? windowOf(positionals[0]!) : 8, 1, 1 << 20, true);
  const rows: ComparisonRow[] = [];
  let heldOutMissing = 0;
  const progress = new ProgressBar(values.json ? 0 : methods.length * budgets.length);
  for (const name of methods) {
    for (const budget of budgets) {
      progress.tick(`${name} at ${budget} %`);
      const method = createMethod(name, { percent: budget }, window);
      const session = new Session();
      const sums = new Map<Metric, { sum: number; count: number }>();
      const add = (metric: Metric, value: number | null | undefined): void => {
        if (value === null || value === undefined || !Number.isFinite(value)) return;
        const entry = sums.get(metric) ?? { sum: 0, count: 0 };
        entry.sum += value;
        entry.count += 1;
        sums.set(metric, entry);
      };
      for (const step of loadSteps()) {
        try {
          const outcomes = inputErrorsAsUsage("compare", step.name, () => compressStep(method, session, step, step.modelLayers, () => undefined, true));
          for (const outcome of outcomes) {
            const { input, result } = outcome.tensors!;
            const evalQueries = (input as { readonly evalQueries?: Tensor }).evalQueries;
            if (evalQueries === undefined && name === methods[0] && budget === budgets[0]) heldOutMissing++;
            const quality = layerQuality(input, result, evalQueries === undefined ? {} : { evalQueries });
            add("recall-window", quality.recall.window.mean);
            add("recall-held-out", quality.recall.heldOut?.mean);
            add("output-error", quality.outputError.mean);
            add("target-coverage", outcome.targetCoverage);
            const current = step.images.at(-1);
            if (current !== undefined) add("current-screen-kept", outcome.keptPerImage.at(-1)! / (current.span[1] - current.span[0]));
          }
        } finally {
          step.close();
        }
      }
      for (const [metric, { sum, count }] of sums) rows.push({ method: name, budget, metric, value: sum / count });
    }
  }

  progress.finish();
  if (values.plot !== undefined) {
    if (existsSync(values.plot) && !statSync(values.plot).isDirectory()) throw new UsageError(`compare: --plot ${values.plot} is a file; pass a folder for the charts`);
    mkdirSync(values.plot, { recursive: true });
    for (const [metric, label] of Object.entries(metrics)) {
      const series: Series[] = methods.map((name) => ({ name, points: rows.filter((r) => r.method === name && r.metric === metric).map((r) => [r.budget, r.value] as const) }));
      if (series.every((s) => s.points.length === 0)) continue;
      const svg = lineChartSvg(label, "budget (% of the prompt, window included)", metric, series);
      writeFileSync(join(values.plot, `${metric}.svg`), svg);
      await renderPng(svg, join(values.plot, `${metric}.png`));
    }
  }

  if (values.json) {
    print(JSON.stringify(rows, null, 1));
    return 0;
  }
  print(`compare on ${source}; means over steps and layers`);
  if (heldOutMissing > 0) print(`note: ${heldOutMissing} layer prefill(s) have no held-out queries (L{layer}.q_eval); held-out recall averages the others, and output error uses their window queries`);
  for (const [metric, label] of Object.entries(metrics)) {
    const relevant = rows.filter((r) => r.metric === metric);
    if (relevant.length === 0) continue;
    print("");
    print(label);
    const body = methods.map((name) => [name, ...budgets.map((budget) => relevant.find((r) => r.method === name && r.budget === budget)?.value.toFixed(4) ?? "-")]);
    for (const line of table(["method", ...budgets.map((b) => `${b} %`)], body)) print(`  ${line}`);
  }
  if (values.plot !== undefined) print(`\nplots written to ${values.plot}`);
  return 0;
}
