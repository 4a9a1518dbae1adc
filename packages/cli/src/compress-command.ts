import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { capturePaths } from "@starkv/capture";
import type { Method } from "@starkv/baselines";
import type { Budget } from "@starkv/core";
import { Session } from "@starkv/core";
import { compressStep, inputErrorsAsUsage, type LayerOutcome } from "./compress-run.js";
import { numberOption, parseCommandArgs } from "./args.js";
import { formatBytes, formatPercent, table } from "./format.js";
import { createMethod } from "./methods.js";
import { ProgressBar } from "./progress.js";
import { captureStep, embeddedName, embeddedSteps, type Step, syntheticName, syntheticSteps, trajectoryEpisodes } from "./sources.js";
import { UsageError } from "./usage-error.js";
import { writeCompressedCapture } from "./write-compressed.js";

/**
 * Rejects an `--out` that names a folder or whose files exist already, so that no file
 * the user has is replaced.
 *
 * @throws UsageError naming the path and what to do
 */
function refuseExistingOutput(out: string, source: string): void {
  if (statSync(out, { throwIfNoEntry: false })?.isDirectory() === true) {
    throw new UsageError(`compress: --out ${out} is a folder; pass a capture name such as ${join(out, "compressed")} (NAME, NAME.json or NAME.safetensors)`);
  }
  const paths = capturePaths(out);
  const input = capturePaths(source);
  if (resolve(paths.tensors) === resolve(input.tensors) || resolve(paths.sidecar) === resolve(input.sidecar)) {
    throw new UsageError(`compress: --out ${out} would replace the input capture ${source}; choose another name`);
  }
  const existing = [paths.sidecar, paths.tensors].filter((path) => existsSync(path));
  if (existing.length > 0) throw new UsageError(`compress: --out would replace ${existing.join(" and ")}; remove it or choose another name`);
}

/** Bytes of one cache row's key and value in one head, stored as bf16. */
function rowBytes(step: Step): number {
  return 2 * step.headDim * 2;
}

interface StepReport {
  readonly step: Step;
  readonly outcomes: readonly LayerOutcome[];
}

/**
 * `starkv compress [CAPTURE] [--method starkv] [--budget 20] [--window 8] [--out FILE] [--json]`
 * and `starkv compress --trajectory DIR`. Without a capture it runs the embedded default
 * (`--synthetic`: the UI-TARS-1.5-7B layout with synthetic tensors).
 */
export function compressCommand(args: readonly string[], print: (line: string) => void): number {
  const { values, positionals } = parseCommandArgs("compress", args, {
    method: { type: "string", default: "starkv" },
    budget: { type: "string" },
    window: { type: "string" },
    out: { type: "string" },
    json: { type: "boolean", default: false },
    trajectory: { type: "string" },
    synthetic: { type: "boolean", default: false },
  });
  if (positionals.length > 1) throw new UsageError(`compress takes at most one capture, got ${positionals.length}: ${positionals.join(", ")}`);
  if (positionals.length === 1 && values.trajectory !== undefined) throw new UsageError("compress: give either a capture or --trajectory DIR, not both");
  if (values.synthetic && (positionals.length > 0 || values.trajectory !== undefined)) throw new UsageError("compress: --synthetic replaces the embedded default; give it without a capture or --trajectory");
  const percent = numberOption("compress", "budget", values.budget, 20, Number.MIN_VALUE, 100);
  const budget: Budget = { percent };
  createMethod(values.method, budget, 8); // rejects an unknown method before any file is read
  if (values.out !== undefined && (values.trajectory !== undefined || positionals.length === 0)) {
    throw new UsageError("compress: --out writes one compressed capture; give a single CAPTURE with it");
  }
  if (values.out !== undefined) refuseExistingOutput(values.out, positionals[0]!);

  const episodes: { name: string; steps: Step[] }[] =
    values.trajectory !== undefined
      ? trajectoryEpisodes(values.trajectory).map((episode) => ({ name: episode.name, steps: episode.captures.map(captureStep) }))
      : positionals.length === 1
        ? [{ name: `capture ${positionals[0]!}`, steps: [captureStep(positionals[0]!)] }]
        : values.synthetic
          ? [{ name: syntheticName, steps: syntheticSteps() }]
          : [{ name: embeddedName, steps: embeddedSteps() }];
  for (const episode of episodes) checkSameModel(episode.steps);
  const synthetic = episodes.some((episode) => episode.steps.some((step) => step.synthetic));
  // The window defaults to the query rows the source captured.
  const window = numberOption("compress", "window", values.window, episodes[0]?.steps[0]?.window ?? 8, 1, 1 << 20, true);
  const method = createMethod(values.method, budget, window);

  const started = performance.now();
  const results: { name: string; reports: StepReport[]; session: Session }[] = [];
  const total = episodes.reduce((sum, episode) => sum + episode.steps.reduce((s, step) => s + step.layers.length, 0), 0);
  const progress = new ProgressBar(values.json ? 0 : total);
  for (const episode of episodes) {
    const session = new Session(); // one episode, one session: state carries across its steps only
    const reports: StepReport[] = [];
    for (const step of episode.steps) {
      try {
        const outcomes = inputErrorsAsUsage("compress", step.name, () => compressStep(method, session, step, step.modelLayers, (outcome) => progress.tick(`${step.name} layer ${outcome.layer}`), values.out !== undefined));
        reports.push({ step, outcomes });
        if (values.out !== undefined) writeCompressedCapture(values.out, positionals[0]!, outcomes, values.method, percent);
      } finally {
        step.close();
      }
    }
    results.push({ name: episode.name, reports, session });
  }
  progress.finish();
  const seconds = (performance.now() - started) / 1000;

  if (values.json) {
    print(JSON.stringify(jsonReport(results, { method: values.method, budget: percent, window, synthetic }), null, 1));
    return 0;
  }
  for (const result of results) printEpisode(result.name, result.reports, method, print, synthetic);
  printTotals(results.flatMap((r) => r.reports), seconds, print);
  if (values.out !== undefined) print(`wrote the compressed capture to ${values.out}`);
  return 0;
}

function jsonReport(results: { name: string; reports: StepReport[]; session: Session }[], settings: { method: string; budget: number; window: number; synthetic: boolean }) {
  const layersOf = (report: StepReport) =>
    report.outcomes.map((o) => ({
      layer: o.layer,
      capacity: o.capacity,
      window: o.window,
      kept: Array.from(o.kept),
      ...(o.keptPerHead === undefined ? {} : { keptPerHead: o.keptPerHead.map((positions) => Array.from(positions)) }),
      ...(o.notes.length === 0 ? {} : { notes: o.notes }),
      ...(o.targetCoverage === null ? {} : { targetCoverage: o.targetCoverage }),
    }));
  const single = results.length === 1 && results[0]!.reports.length === 1;
  if (single) {
    const result = results[0]!;
    return { source: result.name, ...settings, tensors: settings.synthetic ? "synthetic tensors" : "captured", layers: layersOf(result.reports[0]!), session: result.session.toJSON() };
  }
  return {
    ...settings,
    tensors: settings.synthetic ? "synthetic tensors" : "captured",
    episodes: results.map((result) => ({
      name: result.name,
      steps: result.reports.map((report, i) => ({ step: i, name: report.step.name, seqLen: report.step.seqLen, layers: layersOf(report) })),
      session: result.session.toJSON(),
    })),
  };
}

function printEpisode(name: string, reports: readonly StepReport[], method: Method, print: (line: string) => void, synthetic: boolean): void {
  print(`${name}`);
  const backend = reports[0]?.outcomes[0]?.backend ?? "none";
  print(`method ${method.name}, backend ${backend}${synthetic ? "; SYNTHETIC TENSORS (real screenshots, layout and target boxes; seeded generated Q/K/V)" : ""}`);
  for (const [i, { step, outcomes }] of reports.entries()) {
    print("");
    print(`step ${i}: ${step.name}, ${step.seqLen.toLocaleString("en-US")} tokens, ${step.images.length} screenshot(s)`);
    const bytes = rowBytes(step);
    const rows = outcomes.map((o) => [
      String(o.layer),
      String(o.seqLen),
      o.keptPerHead === undefined ? String(o.kept.length) : `${(o.keptRows / o.cacheHeads).toFixed(0)}/head`,
      `${formatBytes(o.seqLen * step.kvHeads * bytes)} → ${formatBytes(o.keptRows * bytes)}`,
      o.keptPerImage.map((count, k) => `${count}/${step.images[k]!.span[1] - step.images[k]!.span[0]}`).join(" "),
      o.targetCoverage === null ? "-" : formatPercent(o.targetCoverage, 1),
      `${o.milliseconds.toFixed(0)} ms`,
    ]);
    for (const line of table(["layer", "tokens", "kept", "KV bf16 before → after", "kept per screenshot (oldest first)", "target kept", "time"], rows)) print(`  ${line}`);
    for (const note of new Set(outcomes.flatMap((o) => o.notes))) print(`  note: ${note}`);
  }
}

function printTotals(reports: readonly StepReport[], seconds: number, print: (line: string) => void): void {
  let before = 0;
  let after = 0;
  let tokensBefore = 0;
  let tokensAfter = 0;
  for (const { step, outcomes } of reports) {
    for (const o of outcomes) {
      tokensBefore += o.seqLen;
      tokensAfter += o.keptRows / o.cacheHeads;
      before += o.seqLen * step.kvHeads * rowBytes(step);
      after += o.keptRows * rowBytes(step);
    }
  }
  const layers = reports.reduce((sum, r) => sum + r.outcomes.length, 0);
  const coverages = reports.flatMap((r) => r.outcomes.map((o) => o.targetCoverage)).filter((c): c is number => c !== null);
  print("");
  print(`total: ${reports.length} step(s), ${layers} layer prefills, ${tokensBefore.toLocaleString("en-US")} → ${Math.round(tokensAfter).toLocaleString("en-US")} tokens per head (${formatPercent(tokensAfter, tokensBefore)}), KV ${formatBytes(before)} → ${formatBytes(after)}, ${seconds.toFixed(1)} s`);
  if (coverages.length > 0) print(`target tokens kept: ${formatPercent(coverages.reduce((a, b) => a + b, 0), coverages.length)} on average over steps and layers`);
}

/** Rejects an episode whose captures come from models of different shapes: one session cannot serve them. */
function checkSameModel(steps: readonly Step[]): void {
  const first = steps[0];
  if (first === undefined) return;
  const shape = (step: Step): string => `${step.kvHeads} KV heads × ${step.headDim}, ${step.modelLayers} layers`;
  for (const step of steps.slice(1)) {
    if (shape(step) !== shape(first)) {
      throw new UsageError(`compress: ${step.name} has ${shape(step)} but ${first.name} has ${shape(first)}; the captures of one episode must come from one model`);
    }
  }
}
