import "./styles.css";
import { methodNames } from "@starkv/baselines";
import { buildCharts, methodColors } from "./chart-panel.js";
import { DropError, pairCaptureFiles } from "./drop-files.js";
import { embeddedCaptureUrls, embeddedImageUrls } from "./embedded-images.js";
import { renderPane } from "./method-pane.js";
import { overlayColors } from "./overlay-view.js";
import { type AxisTrace, type BackendChoice, backendChoices, type BackendReport, type FromWorker, type MethodView, type SourceInfo, sweepMatches, type SweepResult, type ToWorker } from "./protocol.js";

interface ViewResult {
  readonly requestId: number;
  readonly step: number;
  readonly percent: number;
  readonly methods: readonly [MethodView | null, MethodView | null];
  readonly backend: BackendReport;
}

/** Everything the page shows; `render()` draws it. */
const state = {
  source: undefined as SourceInfo | undefined,
  step: 0,
  layer: 0,
  percent: 20,
  methods: ["starkv", "snapkv"] as [string, string],
  backend: "cpu" as BackendChoice,
  requestId: 0,
  view: undefined as ViewResult | undefined,
  traces: new Map<string, { traces: readonly AxisTrace[]; stepsDone: number }>(),
  sweep: undefined as SweepResult | undefined,
  busy: "loading the embedded trajectory",
  error: "",
};

const $ = <T extends HTMLElement>(selector: string): T => document.querySelector<T>(selector)!;
const controls = {
  step: $<HTMLSelectElement>("#step"),
  layer: $<HTMLSelectElement>("#layer"),
  budget: $<HTMLInputElement>("#budget"),
  budgetValue: $<HTMLOutputElement>("#budget-value"),
  backend: $<HTMLSelectElement>("#backend"),
  captureInput: $<HTMLInputElement>("#capture-input"),
  embedded: $<HTMLButtonElement>("#embedded"),
  methods: [$<HTMLSelectElement>("#method-left"), $<HTMLSelectElement>("#method-right")] as const,
};
const panes = [$("#pane-left"), $("#pane-right")] as const;

const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const send = (message: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(message, transfer);

function options(select: HTMLSelectElement, entries: readonly (readonly [string, string])[], selected: string): void {
  select.replaceChildren(
    ...entries.map(([value, label]) => {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label;
      option.selected = value === selected;
      return option;
    }),
  );
}

/** Sends the current settings to the worker; the error box is cleared unless `keepError`. */
function requestView(keepError = false): void {
  const source = state.source;
  if (source === undefined) return;
  state.requestId += 1;
  state.busy = "computing";
  if (!keepError) state.error = "";
  send({
    type: "view",
    request: { id: state.requestId, sourceId: source.id, step: state.step, percent: state.percent, methods: state.methods, backend: state.backend, layer: state.layer },
  });
  renderStatus();
}

function renderStatus(): void {
  const status = $("#status");
  status.replaceChildren();
  const view = state.view;
  if (state.busy !== "") {
    const spinner = document.createElement("span");
    spinner.className = "spinner";
    const busy = document.createElement("span");
    busy.textContent = state.busy;
    status.append(spinner, busy);
    status.classList.add("busy");
  } else status.classList.remove("busy");
  const report = document.createElement("span");
  report.className = "backend-report";
  report.dataset["testid"] = "backend-report";
  if (view !== undefined) {
    const { name, milliseconds, computedLayers, reusedLayers } = view.backend;
    const how = computedLayers > 0 ? "computed now" : `reused from an earlier computation on the same backend (${reusedLayers} layers)`;
    report.textContent = `Window scores ran on ${name}: ${milliseconds.toFixed(0)} ms for ${computedLayers + reusedLayers} layers, ${how}.`;
  }
  status.append(report);
  const error = $("#error");
  error.hidden = state.error === "";
  error.textContent = state.error;
}

function renderSourceLine(source: SourceInfo): void {
  const line = $("#source-line");
  const tensors = source.synthetic
    ? `real screenshots and human target boxes, synthetic tensors (seeded, shaped like ${source.modelName}) for layers ${source.layers.join(", ")} of ${source.modelLayers}`
    : `captured tensors of ${source.modelName}, layers ${source.layers.join(", ")} of ${source.modelLayers}`;
  line.textContent = `Data: ${source.title}: ${tensors}.`;
  controls.embedded.hidden = source.kind === "embedded";
}

function render(): void {
  const source = state.source;
  renderStatus();
  if (source === undefined) return;
  const step = source.steps[state.step]!;
  const view = state.view?.step === state.step ? state.view : undefined;
  for (const [side, pane] of panes.entries()) {
    pane.style.setProperty("--method", methodColors[side]!);
    renderPane(pane, {
      side: side === 0 ? "left" : "right",
      step,
      layer: state.layer,
      view: view?.methods[side] ?? null,
      waiting: state.methods[side] === "starkv" ? "STaR-KV waits for the episode state of the earlier steps…" : "computing…",
    });
  }
  const traces = state.traces.get(state.backend) ?? { traces: [], stepsDone: 0 };
  const settings = { sourceId: source.id, step: state.step, layer: state.layer, methods: state.methods, backend: state.backend };
  const sweep = state.sweep !== undefined && sweepMatches(state.sweep, settings) ? state.sweep : { points: [], done: false };
  $("#charts").replaceChildren(
    ...buildCharts({
      source,
      step: state.step,
      layer: state.layer,
      percent: state.percent,
      traces: traces.traces,
      stepsDone: traces.stepsDone,
      methods: view?.methods ?? [null, null],
      methodNames: state.methods,
      sweep: sweep.points,
      sweepDone: sweep.done,
    }),
  );
}

/** Returns the last step whose current screenshot has a target box (the last step when none has). */
function defaultStep(info: SourceInfo): number {
  const withTarget = info.steps.filter((step) => (step.images.at(-1)?.targetTokens.length ?? 0) > 0);
  return (withTarget.at(-1) ?? info.steps.at(-1)!).index;
}

function onSource(info: SourceInfo): void {
  state.source = info;
  state.step = defaultStep(info);
  state.layer = info.layers[0]!;
  state.view = undefined;
  state.traces.clear();
  state.error = "";
  options(
    controls.step,
    info.steps.map((step) => [String(step.index), `${step.index}: ${step.caption}`] as const),
    String(state.step),
  );
  options(
    controls.layer,
    info.layers.map((layer) => [String(layer), `layer ${layer}`] as const),
    String(state.layer),
  );
  renderSourceLine(info);
  requestView();
  render();
}

worker.addEventListener("message", (event: MessageEvent<FromWorker>) => {
  const data = event.data;
  switch (data.type) {
    case "source":
      onSource(data.info);
      return;
    case "load-error":
      state.error = data.message;
      state.busy = "";
      renderStatus();
      return;
    case "busy":
      if (data.requestId === state.requestId) {
        state.busy = data.message;
        renderStatus();
      }
      return;
    case "view": {
      if (data.sourceId !== state.source?.id || data.requestId < (state.view?.requestId ?? 0)) return;
      state.view = { requestId: data.requestId, step: data.step, percent: data.percent, methods: data.methods, backend: data.backend };
      if (data.requestId === state.requestId && data.methods.every((method) => method !== null)) state.busy = "";
      render();
      return;
    }
    case "view-error": {
      if (data.requestId !== state.requestId) return;
      state.error = data.message;
      state.busy = "";
      // The view still shows the last result. The backend picker goes back to the backend
      // that produced it, and a new request sends that backend to the worker for its next work.
      const shown = backendChoices.find((choice) => choice === state.view?.backend.name);
      if (shown !== undefined && shown !== state.backend) {
        state.backend = shown;
        controls.backend.value = shown;
        requestView(true);
      }
      renderStatus();
      return;
    }
    case "traces":
      if (data.sourceId !== state.source?.id) return;
      state.traces.set(data.backend, { traces: data.traces, stepsDone: data.stepsDone });
      render();
      return;
    case "sweep":
      if (data.sweep.sourceId !== state.source?.id) return;
      state.sweep = data.sweep;
      render();
      return;
  }
});
worker.addEventListener("error", (event) => {
  state.error = `The compression worker failed: ${event.message}. Reload the page.`;
  state.busy = "";
  renderStatus();
});

async function openCapture(files: readonly File[]): Promise<void> {
  try {
    const { name, sidecar, tensors } = pairCaptureFiles(files);
    state.busy = `reading capture ${name}`;
    renderStatus();
    const [sidecarText, bytes] = await Promise.all([sidecar.text(), tensors.arrayBuffer()]);
    send({ type: "load-capture", name, sidecarText, safetensors: bytes }, [bytes]);
  } catch (error) {
    state.error = error instanceof DropError ? error.message : `The dropped files could not be read: ${error instanceof Error ? error.message : String(error)}`;
    state.busy = "";
    renderStatus();
  }
}

function setUpControls(): void {
  const methods = methodNames();
  controls.methods.forEach((select, side) => {
    options(select, methods.map((name) => [name, name] as const), state.methods[side]!);
    select.addEventListener("change", () => {
      state.methods[side] = select.value;
      requestView();
      render();
    });
  });
  options(controls.backend, backendChoices.map((choice) => [choice, choice === "cpu" ? "CPU (TypeScript)" : choice] as const), state.backend);
  controls.backend.addEventListener("change", () => {
    state.backend = controls.backend.value as BackendChoice;
    requestView();
    render();
  });
  controls.step.addEventListener("change", () => {
    state.step = Number(controls.step.value);
    requestView();
    render();
  });
  controls.layer.addEventListener("change", () => {
    state.layer = Number(controls.layer.value);
    requestView();
    render();
  });
  controls.budget.addEventListener("input", () => {
    state.percent = Number(controls.budget.value);
    controls.budgetValue.value = `${state.percent} %`;
    requestView();
  });
  controls.captureInput.addEventListener("change", () => {
    void openCapture([...(controls.captureInput.files ?? [])]);
    controls.captureInput.value = "";
  });
  controls.embedded.addEventListener("click", () => {
    state.busy = "loading the embedded trajectory";
    send({ type: "load-embedded", imageUrls: embeddedImageUrls(), captureUrls: embeddedCaptureUrls() });
    renderStatus();
  });

  const hint = $("#drop-hint");
  document.addEventListener("dragover", (event) => {
    event.preventDefault();
    hint.hidden = false;
  });
  document.addEventListener("dragleave", (event) => {
    if (event.relatedTarget === null) hint.hidden = true;
  });
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    hint.hidden = true;
    void openCapture([...(event.dataTransfer?.files ?? [])]);
  });

  let resizeFrame = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(render);
  });
  $("#legend-kept").style.setProperty("--swatch", overlayColors.keptSwatch);
  $("#legend-dropped").style.setProperty("--swatch", overlayColors.droppedSwatch);
  $("#legend-target").style.setProperty("--swatch", overlayColors.target);
}

setUpControls();
renderStatus();
send({ type: "load-embedded", imageUrls: embeddedImageUrls(), captureUrls: embeddedCaptureUrls() });
