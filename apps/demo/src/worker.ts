/*
 * The compression worker: it keeps the loaded source, the backends and the episode
 * passes, and computes the page's view requests off the page's thread. A newer view
 * request stops older work at the next layer or sweep point.
 */
import { resolveCapacity, Session } from "@starkv/core";
import { createBackend } from "./backend-choice.js";
import { sweepPercents, sweepPoint } from "./budget-sweep.js";
import { loadCaptureSource } from "./capture-source.js";
import type { DemoLayerInput, DemoSource } from "./demo-source.js";
import { embeddedSource, fetchCaptures } from "./embedded-source.js";
import { chainSignature, EpisodePass } from "./episode-pass.js";
import { createDemoMethod, demoKernel, demoPooling, prefetchWindowScores, runMethod } from "./method-run.js";
import { type BackendChoice, type BackendReport, type FromWorker, type MethodView, type SweepPoint, type SweepResult, sweepMatches, type ToWorker, type ViewRequest } from "./protocol.js";
import { ScoreCache } from "./score-cache.js";

interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ToWorker>) => void): void;
}

const scope = self as unknown as WorkerScope;
const post = (message: FromWorker): void => scope.postMessage(message);

/** Thrown at a checkpoint when a newer view request replaced the one being computed. */
class Superseded extends Error {}

const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Returns true when a newer view request or a load waits, so the current work should stop. */
function newerWorkWaits(): boolean {
  return pendingView !== undefined || loads.length > 0;
}

/** Lets queued messages in, then stops the current work when newer work waits. */
async function pauseUnlessSuperseded(): Promise<void> {
  await pause();
  if (newerWorkWaits()) throw new Superseded();
}

let source: DemoSource | undefined;
let nextSourceId = 1;
const backends = new Map<BackendChoice, ScoreCache>();
const passes = new Map<string, EpisodePass>();
let viewInputs: { readonly key: string; readonly inputs: Map<number, DemoLayerInput> } | undefined;
let lastSweep: SweepResult | undefined;

/** Queued source loads; each resolves to true when the new source replaced the old one. */
const loads: (() => Promise<boolean>)[] = [];
let latest: ViewRequest | undefined;
let pendingView: ViewRequest | undefined;
/** Id of the last view request that ran to its end, with a result or an error. */
let finishedRequestId = -1;
let background: AsyncGenerator<void, void, void> | undefined;
let pumping = false;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checkCurrent(request: ViewRequest): void {
  if (loads.length > 0 || latest?.id !== request.id || source?.info.id !== request.sourceId) throw new Superseded();
}

/**
 * Runs a queued load. When it fails, the page keeps its view, so a view request that the
 * load interrupted is computed again.
 */
async function runLoad(load: () => Promise<boolean>): Promise<void> {
  const loaded = await load();
  if (!loaded && latest !== undefined && latest.id !== finishedRequestId && latest.sourceId === source?.info.id) pendingView ??= latest;
}

function backendFor(choice: BackendChoice): ScoreCache {
  let cache = backends.get(choice);
  if (cache === undefined) {
    cache = new ScoreCache(createBackend(choice));
    backends.set(choice, cache);
  }
  return cache;
}

function resetSource(next: DemoSource): void {
  for (const cache of backends.values()) cache.dispose();
  backends.clear();
  passes.clear();
  viewInputs = undefined;
  lastSweep = undefined;
  background = undefined;
  source = next;
  post({ type: "source", info: next.info });
}

/** Reads the inputs of every layer at a step, names them for the score cache and computes their window scores. */
async function stepInputs(current: DemoSource, step: number, cache: ScoreCache, percent: number, onLayer: (layer: number) => void): Promise<Map<number, DemoLayerInput>> {
  const key = `${current.info.id}:${step}`;
  let inputs = viewInputs?.key === key ? viewInputs.inputs : undefined;
  if (inputs === undefined) {
    inputs = new Map();
    for (const layer of current.info.layers) {
      onLayer(layer);
      inputs.set(layer, current.layerInput(step, layer));
      await pause();
    }
  }
  for (const [layer, input] of inputs) cache.register(input.keys, `source ${current.info.id} step ${step} layer ${layer}`);
  await prefetchWindowScores(cache, inputs, percent, current.info.window);
  return inputs;
}

function passFor(current: DemoSource, choice: BackendChoice, percent: number): EpisodePass {
  const signature = chainSignature(current.info.steps.map((step) => step.seqLen), percent, current.info.window);
  const key = `${choice}|${signature}`;
  let pass = passes.get(key);
  if (pass === undefined) {
    const cache = backendFor(choice);
    pass = new EpisodePass({
      stepCount: current.info.steps.length,
      layers: current.info.layers,
      percent,
      window: current.info.window,
      backend: cache,
      prepareStep: (step) =>
        stepInputs(current, step, cache, percent, () => {
          if (newerWorkWaits()) throw new Superseded();
        }),
      pause: pauseUnlessSuperseded,
    });
    passes.set(key, pass);
  }
  return pass;
}

function postTraces(current: DemoSource, choice: BackendChoice, pass: EpisodePass): void {
  post({ type: "traces", sourceId: current.info.id, backend: choice, traces: pass.traces, stepsDone: pass.stepsDone });
}

async function handleView(request: ViewRequest): Promise<void> {
  const current = source;
  if (current === undefined) return;
  checkCurrent(request);
  const { step, percent, backend: choice } = request;
  const shown = current.info.steps[step];
  if (shown === undefined) throw new RangeError(`view: step ${step} does not exist; the source has steps 0 to ${current.info.steps.length - 1}`);
  const busy = (text: string): void => post({ type: "busy", requestId: request.id, message: text });

  const cache = backendFor(choice);
  const window = resolveCapacity(shown.seqLen, { percent }, current.info.window).window;
  const cachedBefore = [...current.info.layers].filter((layer) => {
    const input = viewInputs?.key === `${current.info.id}:${step}` ? viewInputs.inputs.get(layer) : undefined;
    return input !== undefined && cache.has(input.keys, window, demoKernel, demoPooling);
  }).length;
  busy(`step ${step}: reading ${current.info.synthetic ? "synthetic tensors" : "captured tensors"} and computing window scores on ${cache.name}`);
  const inputs = await stepInputs(current, step, cache, percent, (layer) => {
    checkCurrent(request);
    busy(`step ${step}: ${current.info.synthetic ? "generating synthetic" : "reading captured"} tensors of layer ${layer}`);
  });
  viewInputs = { key: `${current.info.id}:${step}`, inputs };
  checkCurrent(request);
  const report: BackendReport = {
    name: cache.name,
    milliseconds: [...inputs.values()].reduce((sum, input) => sum + (cache.computeTime(input.keys, window, demoKernel, demoPooling) ?? 0), 0),
    computedLayers: inputs.size - cachedBefore,
    reusedLayers: cachedBefore,
  };

  const views: [MethodView | null, MethodView | null] = [null, null];
  const sendView = (): void => post({ type: "view", requestId: request.id, sourceId: current.info.id, step, percent, methods: views, backend: report });
  const layerCount = current.info.modelLayers;
  for (const [side, name] of request.methods.entries()) {
    if (name === "starkv") continue;
    views[side] = runMethod(createDemoMethod(name, percent, cache, current.info.window), new Session(), inputs, layerCount).view;
  }
  // Show the methods that need no episode state now; STaR-KV follows once the pass reaches this step.
  if (views.some((view) => view !== null)) sendView();

  const pass = passFor(current, choice, percent);
  for (let done = pass.stepsDone; done <= step; done = pass.stepsDone) {
    checkCurrent(request);
    busy(`STaR-KV episode state: running step ${done} of steps 0 to ${step} on ${cache.name}`);
    await pass.runThrough(done);
    postTraces(current, choice, pass);
  }
  checkCurrent(request);
  if (request.methods.includes("starkv")) {
    for (const [side, name] of request.methods.entries()) {
      if (name === "starkv") views[side] = runMethod(createDemoMethod(name, percent, cache, current.info.window), pass.sessionBefore(step)!, inputs, layerCount).view;
    }
    sendView();
  }
  background = backgroundWork(request, current, inputs);
}

/** Computes the budget sweep of the requested view, then the rest of the episode pass, yielding after each unit. */
async function* backgroundWork(request: ViewRequest, current: DemoSource, inputs: Map<number, DemoLayerInput>): AsyncGenerator<void, void, void> {
  const { step, backend: choice, layer, methods } = request;
  const settings = { sourceId: current.info.id, step, layer, methods, backend: choice };
  const input = inputs.get(layer);
  // A sweep interrupted by a newer request for the same settings resumes where it stopped.
  const previous = lastSweep !== undefined && sweepMatches(lastSweep, settings) ? lastSweep : undefined;
  if (previous?.done === true) post({ type: "sweep", sweep: previous });
  else if (input !== undefined) {
    const cache = backendFor(choice);
    const points: SweepPoint[] = [...(previous?.points ?? [])];
    for (const percent of sweepPercents) {
      for (const name of new Set(methods)) {
        if (points.some((point) => point.method === name && point.percent === percent)) continue;
        const pass = passFor(current, choice, percent);
        await pass.runThrough(step - 1);
        await stepInputs(current, step, cache, percent, () => undefined);
        const session = name === "starkv" ? pass.sessionBefore(step)! : new Session();
        const { result } = runMethod(createDemoMethod(name, percent, cache, current.info.window), session, inputs, current.info.modelLayers);
        const layerResult = result.layers.get(layer);
        if (layerResult !== undefined) points.push(sweepPoint(name, percent, input, layerResult));
        lastSweep = { ...settings, points: [...points], done: false };
        post({ type: "sweep", sweep: lastSweep });
        yield;
      }
    }
    lastSweep = { ...settings, points, done: true };
    post({ type: "sweep", sweep: lastSweep });
  }
  const pass = passFor(current, choice, request.percent);
  while (pass.stepsDone < current.info.steps.length) {
    await pass.runThrough(pass.stepsDone);
    postTraces(current, choice, pass);
    yield;
  }
}

async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    for (;;) {
      const load = loads.shift();
      if (load !== undefined) {
        await runLoad(load);
        continue;
      }
      if (pendingView !== undefined) {
        const request = pendingView;
        pendingView = undefined;
        background = undefined;
        try {
          await handleView(request);
          finishedRequestId = request.id;
        } catch (error) {
          if (!(error instanceof Superseded)) {
            finishedRequestId = request.id;
            post({ type: "view-error", requestId: request.id, message: `Step ${request.step} on ${request.backend} failed: ${message(error)}` });
          }
        }
        continue;
      }
      if (background !== undefined) {
        const work = background;
        try {
          const next = await work.next();
          if (next.done === true && background === work) background = undefined;
        } catch (error) {
          if (background === work) background = undefined;
          if (!(error instanceof Superseded) && latest !== undefined) post({ type: "view-error", requestId: latest.id, message: message(error) });
        }
        await pause();
        continue;
      }
      break;
    }
  } finally {
    pumping = false;
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`fetching ${url} failed with HTTP ${response.status}; the page's files are incomplete, rebuild the demo`);
  return new Uint8Array(await response.arrayBuffer());
}

scope.addEventListener("message", (event) => {
  const data = event.data;
  switch (data.type) {
    case "load-embedded":
      loads.push(async () => {
        try {
          const captures = await fetchCaptures(data.captureUrls, fetchBytes);
          resetSource(embeddedSource(nextSourceId++, captures, data.imageUrls));
          return true;
        } catch (error) {
          post({ type: "load-error", message: `The embedded trajectory could not be loaded: ${message(error)}` });
          return false;
        }
      });
      break;
    case "load-capture":
      loads.push(() => {
        try {
          resetSource(loadCaptureSource(nextSourceId++, data.name, data.sidecarText, new Uint8Array(data.safetensors)));
          return Promise.resolve(true);
        } catch (error) {
          post({ type: "load-error", message: message(error) });
          return Promise.resolve(false);
        }
      });
      break;
    case "view":
      latest = data.request;
      pendingView = data.request;
      break;
  }
  void pump();
});
