import type { Method, MethodLayerResult } from "@starkv/baselines";
import type { LayerInput, Session } from "@starkv/core";
import type { Step } from "./sources.js";
import { UsageError } from "./usage-error.js";

/** The outcome of compressing one layer of one step. */
export interface LayerOutcome {
  readonly layer: number;
  readonly seqLen: number;
  readonly capacity: number;
  readonly window: number;
  /** Ascending original positions kept by at least one head, window included. */
  readonly kept: Int32Array;
  /** Rows kept over all cache heads (the cache's real size). */
  readonly keptRows: number;
  /** Cache heads stored (KV heads, or query heads for per-query-head layouts). */
  readonly cacheHeads: number;
  /** Positions of each cache head, when they differ between heads. */
  readonly keptPerHead?: readonly Int32Array[];
  readonly notes: readonly string[];
  /** Kept tokens of each screenshot (by any head), in the step's image order. */
  readonly keptPerImage: readonly number[];
  /** Share of the current screenshot's target tokens kept by every head, or null without targets. */
  readonly targetCoverage: number | null;
  readonly milliseconds: number;
  readonly backend: string;
  /** The input and the compressed cache, kept only when asked for (to write them out). */
  readonly tensors?: { readonly input: LayerInput; readonly result: MethodLayerResult };
}

/** Counts the kept positions inside `[start, end)`; `kept` is ascending. */
export function countInRange(kept: Int32Array, start: number, end: number): number {
  let count = 0;
  for (const position of kept) if (position >= start && position < end) count++;
  return count;
}

/** Returns the share of `targets` present in every one of `kept`, or null when there are no targets. */
export function coverage(kept: readonly Int32Array[], targets: Int32Array | undefined): number | null {
  if (targets === undefined || targets.length === 0) return null;
  const sets = kept.map((positions) => new Set(positions));
  let hit = 0;
  for (const position of targets) if (sets.every((set) => set.has(position))) hit++;
  return hit / targets.length;
}

function outcomeOf(step: Step, layer: number, input: LayerInput, result: MethodLayerResult, milliseconds: number, keepTensors: boolean): LayerOutcome {
  const perHead = result.heads.map((head) => head.positions);
  const shared = result.layout === "shared" || perHead.every((positions) => positions.length === perHead[0]!.length && positions.every((p, i) => p === perHead[0]![i]));
  const union = shared ? perHead[0]! : Int32Array.from(new Set(perHead.flatMap((positions) => Array.from(positions)))).sort();
  return {
    layer,
    seqLen: step.seqLen,
    capacity: result.capacity.capacity,
    window: result.budget.window,
    kept: union,
    keptRows: perHead.reduce((sum, positions) => sum + positions.length, 0),
    cacheHeads: perHead.length,
    ...(shared ? {} : { keptPerHead: perHead }),
    notes: result.notes,
    keptPerImage: step.images.map((image) => countInRange(union, image.span[0], image.span[1])),
    targetCoverage: coverage(perHead, step.images.at(-1)?.targetTokens),
    milliseconds,
    backend: result.backend ?? "none",
    ...(keepTensors ? { tensors: { input, result } } : {}),
  };
}

/**
 * Compresses every layer of one step with `method` and `session`. Methods whose layers
 * are independent run layer by layer, reading each layer's tensors just before; methods
 * that split a budget across layers (PyramidKV, VL-Cache) read every layer first.
 *
 * @param layerCount the model's layer count
 */
export function compressStep(method: Method, session: Session, step: Step, layerCount: number, onLayer: (outcome: LayerOutcome) => void = () => undefined, keepTensors = false): LayerOutcome[] {
  const outcomes: LayerOutcome[] = [];
  if ("compressLayer" in method && method.scope === "layer") {
    const layerMethod = method as Method & { compressLayer: (session: Session, layer: number, input: LayerInput) => MethodLayerResult };
    for (const layer of step.layers) {
      const input = step.readLayer(layer);
      const started = performance.now();
      const result = namingLayer(layer, () => layerMethod.compressLayer(session, layer, input));
      const outcome = outcomeOf(step, layer, input, result, performance.now() - started, keepTensors);
      outcomes.push(outcome);
      onLayer(outcome);
    }
    return outcomes;
  }
  const inputs = new Map(step.layers.map((layer) => [layer, step.readLayer(layer)] as const));
  const started = performance.now();
  const result = method.compressStep(session, inputs, { layerCount });
  const perLayer = (performance.now() - started) / Math.max(1, inputs.size);
  for (const [layer, layerResult] of result.layers) {
    const outcome = outcomeOf(step, layer, inputs.get(layer)!, { ...layerResult, notes: [...layerResult.notes, ...result.notes] }, perLayer, keepTensors);
    outcomes.push(outcome);
    onLayer(outcome);
  }
  return outcomes;
}

/** Runs `body`; the library's input errors (bad shapes, NaN, spans) become usage errors naming `source`. */
export function inputErrorsAsUsage<T>(command: string, source: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) throw new UsageError(`${command}: ${source}: ${error.message}`);
    throw error;
  }
}

/** Runs `body`, prefixing the layer to the library's input errors so that reports name it. */
function namingLayer<T>(layer: number, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof RangeError) throw new RangeError(`layer ${layer}: ${error.message}`, { cause: error });
    if (error instanceof TypeError) throw new TypeError(`layer ${layer}: ${error.message}`, { cause: error });
    throw error;
  }
}
