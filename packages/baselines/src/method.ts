import type { LayerInput, Session } from "@starkv/core";
import type { MethodLayerResult } from "./method-result.js";

/** Facts about the model that a step needs besides the captured layers. */
export interface StepOptions {
  /** `N`, decoder layers of the model; every layer index must be below it. */
  readonly layerCount: number;
}

/** The compressed caches of one prefill. */
export interface StepResult {
  readonly method: string;
  /** One result per given layer, in ascending layer order. */
  readonly layers: ReadonlyMap<number, MethodLayerResult>;
  /**
   * Past tokens per cache head that the method assigned to each layer (the mean over
   * heads for head-adaptive methods). PyramidKV lists all `layerCount` layers, the other
   * methods the given layers; a layer left whole is not listed.
   */
  readonly budgets: ReadonlyMap<number, number>;
  /** Notes about the step as a whole, for example a redistributed layer budget. */
  readonly notes: readonly string[];
}

/**
 * A KV-cache compression method, used the same way for every method: one call per
 * prefill with the layers at hand.
 *
 * `scope` is what a layer's result depends on: `"layer"` methods look at one layer at a
 * time (and also offer `compressLayer`); `"step"` methods (PyramidKV, VL-Cache) split a
 * total budget across layers, so they need every layer of the prefill in one call.
 */
export interface Method {
  readonly name: string;
  readonly scope: "layer" | "step";
  /**
   * Compresses the given layers of one prefill.
   *
   * @param session the episode state; only STaR-KV keeps state in it
   * @param layers layer index → that layer's input; a capture may hold a subset of layers
   * @throws RangeError naming the layer and the argument when an input is invalid
   */
  compressStep(session: Session, layers: ReadonlyMap<number, LayerInput>, options: StepOptions): StepResult;
}

/** A method whose layers are independent of each other. */
export interface LayerMethod extends Method {
  readonly scope: "layer";
  /** Compresses one prefill of one layer. */
  compressLayer(session: Session, layer: number, input: LayerInput): MethodLayerResult;
}

/**
 * Checks the arguments of `compressStep` and returns the layer indices in ascending order.
 *
 * @throws RangeError or TypeError naming the argument and what was expected
 */
export function validateStep(where: string, layers: ReadonlyMap<number, LayerInput>, options: StepOptions): number[] {
  const given: unknown = layers;
  if (!(given instanceof Map)) throw new TypeError(`${where}: layers must be a Map from layer index to LayerInput`);
  const layerCount: unknown = (options as Partial<StepOptions> | undefined)?.layerCount;
  if (typeof layerCount !== "number" || !Number.isInteger(layerCount) || layerCount < 1) {
    throw new RangeError(`${where}: layerCount is ${String(layerCount)}; expected the model's number of decoder layers (a positive integer)`);
  }
  if (layers.size === 0) throw new RangeError(`${where}: layers is empty; pass at least one layer's input`);
  const indices = [...layers.keys()].sort((a, b) => a - b);
  for (const layer of indices) {
    if (!Number.isInteger(layer) || layer < 0 || layer >= layerCount) {
      throw new RangeError(`${where}: layer index ${String(layer)} is outside [0, ${layerCount}); layer indices count from 0 and must be below layerCount`);
    }
  }
  return indices;
}

/** Checks a single layer index. */
export function validateLayerIndex(where: string, layer: number): void {
  if (!Number.isInteger(layer) || layer < 0) throw new RangeError(`${where}: layer is ${String(layer)}; expected a non-negative integer`);
}

/**
 * Builds a layer-scope method from its per-layer function; `compressStep` runs the layers
 * in ascending order.
 */
export function layerMethod(name: string, compressLayer: (session: Session, layer: number, input: LayerInput) => MethodLayerResult): LayerMethod {
  return {
    name,
    scope: "layer",
    compressLayer(session, layer, input) {
      validateLayerIndex(`${name}.compressLayer()`, layer);
      return compressLayer(session, layer, input);
    },
    compressStep(session, layers, options) {
      const indices = validateStep(`${name}.compressStep()`, layers, options);
      const results = new Map<number, MethodLayerResult>();
      const budgets = new Map<number, number>();
      for (const layer of indices) {
        const result = compressLayer(session, layer, layers.get(layer)!);
        results.set(layer, result);
        if (result.compressed) budgets.set(layer, result.budget.keepTotal / result.heads.length);
      }
      return { method: name, layers: results, budgets, notes: [] };
    },
  };
}
