import { sweepPercents } from "./budget-sweep.js";
import { formatBytes } from "./chart-scale.js";
import { barChart, legend, lineChart, type Series } from "./charts.js";
import { memoryBars, memorySettings, presetFor } from "./memory-bars.js";
import type { AxisTrace, MethodView, SourceInfo, SweepPoint } from "./protocol.js";

/** Colours of the left and right method. */
export const methodColors = ["#2563eb", "#ea580c"] as const;
const layerColors = ["#0f766e", "#7c3aed", "#ca8a04", "#be123c", "#2563eb", "#64748b"];

/** Inputs of the charts: the source, the chosen step, layer and budget, and the results so far. */
export interface ChartInput {
  readonly source: SourceInfo;
  readonly step: number;
  readonly layer: number;
  readonly percent: number;
  /** Traced STaR-KV axes of the current backend's episode pass, so far. */
  readonly traces: readonly AxisTrace[];
  /** Steps the pass has run. */
  readonly stepsDone: number;
  readonly methods: readonly [MethodView | null, MethodView | null];
  readonly methodNames: readonly [string, string];
  readonly sweep: readonly SweepPoint[];
  readonly sweepDone: boolean;
}

function figure(title: string, chart: SVGSVGElement, caption: string, series?: readonly Pick<Series, "name" | "color" | "dashed">[]): HTMLElement {
  const element = document.createElement("figure");
  element.className = "chart-card";
  const heading = document.createElement("h3");
  heading.textContent = title;
  element.append(heading, chart);
  if (series !== undefined && series.length > 0) element.append(legend(series));
  const text = document.createElement("figcaption");
  text.textContent = caption;
  element.append(text);
  return element;
}

function traceAt(traces: readonly AxisTrace[], step: number, layer: number): AxisTrace | undefined {
  return traces.find((trace) => trace.step === step && trace.layer === layer);
}

function layerSeries(input: ChartInput, read: (trace: AxisTrace) => number | null): Series[] {
  return input.source.layers.map((layer, i) => ({
    name: `layer ${layer}`,
    color: layerColors[i % layerColors.length]!,
    values: input.source.steps.map((_, step) => {
      const trace = traceAt(input.traces, step, layer);
      return trace === undefined ? null : read(trace);
    }),
  }));
}

function groupCharts(input: ChartInput, trace: AxisTrace | undefined, waiting: string): HTMLElement[] {
  const groups = Array.from({ length: input.source.kvHeads }, (_, g) => `group ${g}`);
  const mi: Series = { name: "MI (nats)", color: "#0f766e", values: trace?.mi ?? [] };
  const weights: Series = { name: "weight", color: "#7c3aed", values: trace?.weights ?? [] };
  const lambda = trace?.lambda;
  const where = `step ${input.step}, layer ${input.layer}`;
  return [
    figure(
      "MI per KV-head group",
      barChart(groups, [mi], { yLabel: "nats" }, waiting),
      `Mutual information between each group's attention over the current screenshot and the token's row and column (rank-binned), ${where}.`,
    ),
    figure(
      "Group weights of the MI prior",
      barChart(groups, [weights], { yLabel: "weight", yDomain: [0, 1] }, waiting),
      `Softmax weights from the moving average of the MI, ${where}. They change the scores with strength λ = ${lambda === null || lambda === undefined ? "n/a" : lambda.toFixed(3)}.`,
    ),
  ];
}

function stepCharts(input: ChartInput, waiting: string): HTMLElement[] {
  const steps = input.source.steps.map((_, step) => step);
  const lambda = layerSeries(input, (trace) => trace.lambda);
  const temperature = layerSeries(input, (trace) => trace.temperature);
  const progress = input.stepsDone < steps.length ? ` The episode pass has run ${input.stepsDone} of ${steps.length} steps.` : "";
  return [
    figure(
      "λ over the steps",
      lineChart(steps, lambda, { yLabel: "λ", xLabel: "step", marker: input.step }, waiting),
      `Strength of the MI prior at each step: 0 while the prior profiles the first prefills, then a ramp to λ*. Every layer counts the same steps, so the lines coincide.${progress}`,
      lambda,
    ),
    figure(
      "Entropy temperature over the steps",
      lineChart(steps, temperature, { yLabel: "τ", xLabel: "step", marker: input.step }, waiting),
      `Temperature of the entropy sharpening, from the normalised entropy of the window attention (τ in [0.75, 1.25]).${progress}`,
      temperature,
    ),
  ];
}

function discountChart(input: ChartInput, trace: AxisTrace | undefined, waiting: string): HTMLElement {
  const images = input.source.steps[input.step]?.images ?? [];
  const labels = images.map((_, i) => (i === images.length - 1 ? "current" : `t−${images.length - 1 - i}`));
  const series: Series = { name: "mean discount", color: "#ca8a04", values: trace?.discountPerImage ?? [] };
  const note = trace !== undefined && trace.discountPerImage === null ? "no older screenshot at this step" : waiting;
  return figure(
    "Temporal discount per screenshot",
    barChart(labels, [series], { yLabel: "discount", yDomain: [0, 1] }, note),
    `Mean factor on the scores of each screenshot's tokens, oldest first, step ${input.step}, layer ${input.layer}: older screenshots count less, the more so the more stable the attention is.`,
  );
}

function memoryChart(input: ChartInput): HTMLElement {
  const model = presetFor({ ...input.source, layers: input.source.modelLayers, name: input.source.modelName });
  const shown = input.source.steps[input.step];
  const title = `Memory of one prefill${model === undefined ? "" : `, ${model.name}`}`;
  if (model === undefined || shown === undefined) {
    return figure(title, barChart([], [], { yLabel: "GiB" }, "no model preset matches this model"), "The memory model needs a known model configuration (Qwen2.5-VL 3B, 7B, 32B, UI-TARS-1.5-7B or OpenCUA-7B).");
  }
  const kept = input.methods.flatMap((view, side) => {
    if (view === null) return [];
    const mean = view.layers.reduce((sum, layer) => sum + layer.keptMean, 0) / Math.max(1, view.layers.length);
    return [{ label: input.methodNames[side]!, keptTokens: Math.round(mean) }];
  });
  const bars = memoryBars(
    model,
    shown.seqLen,
    shown.images.map((image) => image.span[1] - image.span[0]),
    kept,
  );
  const mib = 1024 ** 2;
  const series: Series[] = [
    { name: "KV cache while decoding", color: "#0ea5e9", values: bars.map((bar) => bar.cache / mib) },
    { name: "prefill peak above the weights", color: "#475569", values: bars.map((bar) => (bar.prefillPeak - bar.weights) / mib) },
  ];
  const totals = bars.map((bar) => `${bar.label}: ${bar.keptTokens.toLocaleString("en-US")} tokens per layer, decode ${formatBytes(bar.decode)}, prefill peak ${formatBytes(bar.prefillPeak)}`).join("; ");
  return figure(
    title,
    barChart(bars.map((bar) => bar.label), series, { yLabel: "MiB", formatValue: (value) => formatBytes(value * mib) }),
    `planMemory: bf16, ${memorySettings.attention} attention, logits of the last position, cache at KV-head width; kept tokens are the mean over the layers at hand. The ${formatBytes(bars[0]!.weights)} of weights come on top. Totals: ${totals}.`,
    series,
  );
}

function sweepChart(input: ChartInput): HTMLElement {
  const names = [...new Set(input.methodNames)];
  const series: Series[] = names.flatMap((name) => {
    const color = methodColors[input.methodNames.indexOf(name)]!;
    const at = (read: (point: SweepPoint) => number | null): (number | null)[] =>
      sweepPercents.map((percent) => {
        const point = input.sweep.find((p) => p.method === name && p.percent === percent);
        return point === undefined ? null : read(point);
      });
    const heldOut = at((point) => point.heldOutRecall);
    const lines: Series[] = [{ name: `${name}, window queries`, color, values: at((point) => point.recall) }];
    if (heldOut.some((value) => value !== null)) lines.push({ name: `${name}, held-out queries`, color, values: heldOut, dashed: true });
    return lines;
  });
  const pending = input.sweepDone ? "" : " Still computing.";
  return figure(
    "Attention recall against budget",
    lineChart(sweepPercents, series, { yLabel: "recall", xLabel: "budget (% of the prompt)", yDomain: [0, 1], marker: input.percent }, "computing…"),
    `Share of the full attention mass that falls on kept tokens (layerQuality), layer ${input.layer}, step ${input.step}.${pending}`,
    series,
  );
}

/** Builds every chart of the page for the current state. */
export function buildCharts(input: ChartInput): HTMLElement[] {
  const trace = traceAt(input.traces, input.step, input.layer);
  const waiting = input.stepsDone <= input.step ? `waiting for the episode pass (step ${input.stepsDone} of ${input.step})` : "not recorded at this step";
  return [...groupCharts(input, trace, waiting), ...stepCharts(input, "waiting for the episode pass"), discountChart(input, trace, waiting), memoryChart(input), sweepChart(input)];
}
