import type { Budget, LayerInput } from "@starkv/core";
import { wholeLayerResult } from "./head-caches.js";
import { type PreparedLayer, prepareLayer } from "./layer-setup.js";
import { type StepOptions, type StepResult, validateStep } from "./method.js";
import type { MethodLayerResult } from "./method-result.js";

/** Every layer of one step, validated, with the budget resolved once for the prompt. */
export interface PreparedStep {
  /** Layer indices, ascending. */
  readonly indices: readonly number[];
  readonly layers: ReadonlyMap<number, PreparedLayer>;
  /** The first layer's setup; capacity, window and keep are the same for every layer. */
  readonly first: PreparedLayer;
}

/**
 * Validates the layers of a step for a method that splits a budget across layers: every
 * layer must hold the same prompt (equal `seqLen`), so they share one capacity.
 *
 * @throws RangeError naming the layer whose input is invalid or has another length
 */
export function prepareStep(where: string, layers: ReadonlyMap<number, LayerInput>, options: StepOptions, budget: Budget, window: number): PreparedStep {
  const indices = validateStep(where, layers, options);
  const prepared = new Map<number, PreparedLayer>();
  for (const layer of indices) prepared.set(layer, prepareLayer(`${where} layer ${layer}`, layers.get(layer)!, budget, window));
  const first = prepared.get(indices[0]!)!;
  for (const layer of indices) {
    const seqLen = prepared.get(layer)!.shape.seqLen;
    if (seqLen !== first.shape.seqLen) {
      throw new RangeError(
        `${where}: layer ${layer} has ${seqLen} tokens but layer ${indices[0]} has ${first.shape.seqLen}; all layers of one step come from the same prefill and must have the same length`,
      );
    }
  }
  return { indices, layers: prepared, first };
}

/** Returns the result of a step whose budget keeps every token: each layer left whole. */
export function wholeStepResult(method: string, layers: ReadonlyMap<number, LayerInput>, step: PreparedStep): StepResult {
  const notes = step.first.capacity.notes;
  const results = new Map<number, MethodLayerResult>();
  for (const layer of step.indices) results.set(layer, wholeLayerResult(method, layer, layers.get(layer)!, step.layers.get(layer)!, notes));
  return { method, layers: results, budgets: new Map(), notes };
}
