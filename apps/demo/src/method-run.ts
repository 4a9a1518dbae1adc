import { createMethod, type Method, type MethodLayerResult, type StepResult } from "@starkv/baselines";
import { type Backend, type LayerInput, resolveCapacity, type Session } from "@starkv/core";
import { demoWindow } from "./episode-pass.js";
import type { LayerView, MethodView } from "./protocol.js";
import type { ScoreCache } from "./score-cache.js";

/** Pooling kernel and pooling of every method on the page (the methods' defaults). */
export const demoKernel = 5;
export const demoPooling = "avgpool";

/** Methods that score tokens with the pooled window attention and so take a `backend`. */
const windowScoreMethods: ReadonlySet<string> = new Set(["starkv", "snapkv", "snapkv-per-head", "guikv", "guikv-subspace", "pyramidkv", "adakv"]);

/** Returns true when `name` computes window scores on a backend. */
export function usesBackend(name: string): boolean {
  return windowScoreMethods.has(name);
}

/**
 * Creates a method with the page's settings: the budget in percent (window included), the
 * observation window 8, and the backend for the methods that compute window scores.
 * `full` keeps everything and takes only the window.
 *
 * @throws RangeError for an unknown method name, listing the known ones
 */
export function createDemoMethod(name: string, percent: number, backend: Backend, window = demoWindow): Method {
  if (name === "full") return createMethod("full", { window });
  const budget = { percent };
  return usesBackend(name) ? createMethod(name, { budget, window, backend }) : createMethod(name, { budget, window });
}

/**
 * Computes the window scores every method of the page asks for at this budget (the
 * clamped window, kernel 5, average pooling), so that a backend whose scores arrive
 * asynchronously (WebGPU) can serve the synchronous compression calls afterwards.
 */
export async function prefetchWindowScores(cache: ScoreCache, inputs: ReadonlyMap<number, LayerInput>, percent: number, configured = demoWindow): Promise<void> {
  for (const input of inputs.values()) {
    const window = resolveCapacity(input.keys.shape[1]!, { percent }, configured).window;
    await cache.prefetch(input.queries, input.keys, window, demoKernel, demoPooling);
  }
}

/** Converts one layer's result into what the page draws. */
export function layerView(result: MethodLayerResult): LayerView {
  const headPositions = result.heads.map((head) => head.positions);
  const kept = headPositions.reduce((sum, positions) => sum + positions.length, 0);
  return {
    layer: result.layer,
    layout: result.layout,
    headPositions,
    seqLen: result.capacity.seqLen,
    capacity: result.capacity.capacity,
    keptMean: kept / headPositions.length,
    notes: result.notes,
    ...(result.backend === undefined ? {} : { backend: result.backend }),
  };
}

/**
 * Compresses every layer of one step with a method and times the call.
 *
 * @param session the episode state before this step (only STaR-KV reads it); it is changed
 * @param layerCount the model's decoder layers
 */
export function runMethod(method: Method, session: Session, inputs: ReadonlyMap<number, LayerInput>, layerCount: number): { view: MethodView; result: StepResult } {
  const started = performance.now();
  const result = method.compressStep(session, inputs, { layerCount });
  const milliseconds = performance.now() - started;
  const layers = [...result.layers.values()].map(layerView);
  return { view: { method: method.name, layers, notes: result.notes, milliseconds }, result };
}
