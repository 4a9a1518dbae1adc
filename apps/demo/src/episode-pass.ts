import { type Backend, type ImageSpan, type LayerInput, type LayerResult, resolveCapacity, Session } from "@starkv/core";
import { createStarKV } from "@starkv/starkv";
import type { AxisTrace } from "./protocol.js";

/** The observation window every method of the page uses (the methods' default). */
export const demoWindow = 8;

/**
 * Describes what a budget does to every step of an episode: whether the step is
 * compressed and the window after the clamp `max(1, min(w, C − 2))`.
 *
 * The state STaR-KV carries from step to step (the MI moving average and step counter,
 * the temporal pattern, the entropy temperature) is computed from the pooled scores over
 * the `T − w` past positions, and only on compressed steps. The number of kept tokens
 * never enters it, so two budgets with the same signature leave the same state before
 * every step, and one pass over the episode serves both. A unit test checks this against
 * `createStarKV` itself.
 */
export function chainSignature(seqLens: readonly number[], percent: number, window = demoWindow): string {
  return seqLens
    .map((seqLen) => {
      const capacity = resolveCapacity(seqLen, { percent }, window);
      return `${capacity.compresses ? "c" : "u"}${capacity.window}`;
    })
    .join(",");
}

function numbers(value: unknown): number[] | null {
  if (value instanceof Float32Array || value instanceof Float64Array || Array.isArray(value)) return Array.from(value as ArrayLike<number>);
  return null;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** Mean of `values` over `[start, end)`, clipped to the array, or null when nothing is left. */
function meanOver(values: ArrayLike<number>, start: number, end: number): number | null {
  const high = Math.min(end, values.length);
  if (high <= start) return null;
  let sum = 0;
  for (let j = start; j < high; j++) sum += values[j]!;
  return sum / (high - start);
}

/**
 * Reads the STaR-KV axes of one layer from a traced result (`createStarKV({ trace: true })`):
 * `mi.lambda`, `mi.cur`, `mi.weights`, `sharpen.temperature` and `temporal` (its discount
 * averaged over each screenshot, and the per-group stability). Values a stage did not
 * record (an uncompressed step, an axis switched off) are null.
 */
export function axisTrace(step: number, layer: number, result: LayerResult, spans: readonly ImageSpan[]): AxisTrace {
  const trace = result.trace ?? {};
  const temporal = trace["temporal"] as { applied?: boolean; discount?: Float64Array; stability?: Float64Array } | undefined;
  const discount = temporal?.applied === true ? temporal.discount : undefined;
  return {
    step,
    layer,
    lambda: numberOrNull(trace["mi.lambda"]),
    mi: numbers(trace["mi.cur"]),
    weights: numbers(trace["mi.weights"]),
    temperature: numberOrNull(trace["sharpen.temperature"]),
    discountPerImage: discount === undefined ? null : spans.map((span) => meanOver(discount, span.start, span.end)),
    stability: temporal?.applied === true && temporal.stability !== undefined ? Array.from(temporal.stability) : null,
  };
}

/** Options of `EpisodePass`. */
export interface EpisodePassOptions {
  readonly stepCount: number;
  /** Layers at hand, ascending. */
  readonly layers: readonly number[];
  readonly percent: number;
  /** Observation window before the clamp. */
  readonly window: number;
  readonly backend: Backend;
  /** Returns every layer's input of one step, ready for synchronous window scores on `backend`. */
  readonly prepareStep: (step: number) => Promise<ReadonlyMap<number, LayerInput>>;
  /** Called after each layer, so a long pass can let other work in. */
  readonly pause?: () => Promise<void>;
}

/**
 * Runs STaR-KV over an episode in step order, one session for all layers, and keeps the
 * traced axes and the session after every step. A method shown at step `t` starts from
 * a copy of the session after step `t − 1`, so its result is the one the episode gives
 * at that step.
 */
export class EpisodePass {
  readonly options: EpisodePassOptions;
  /** `#after[t]`: the session once step `t` has run. */
  readonly #after: Session[] = [];
  readonly #traces: AxisTrace[] = [];
  #running: Promise<void> | undefined;

  constructor(options: EpisodePassOptions) {
    this.options = options;
  }

  /** Steps already run. */
  get stepsDone(): number {
    return this.#after.length;
  }

  /** Every traced axis so far, in step order, then layer order. */
  get traces(): readonly AxisTrace[] {
    return this.#traces;
  }

  /**
   * Returns a copy of the session as it is before `step` runs: a new session for step 0,
   * undefined when the pass has not run step `step − 1` yet.
   */
  sessionBefore(step: number): Session | undefined {
    if (step === 0) return new Session();
    return this.#after[step - 1]?.clone();
  }

  /** Runs steps until `step` (inclusive) is done; concurrent calls share the work. */
  async runThrough(step: number): Promise<void> {
    const last = Math.min(step, this.options.stepCount - 1);
    while (this.stepsDone <= last) {
      this.#running ??= this.#runNext().finally(() => (this.#running = undefined));
      await this.#running;
    }
  }

  async #runNext(): Promise<void> {
    const step = this.stepsDone;
    const { layers, percent, window, backend, prepareStep, pause } = this.options;
    const inputs = await prepareStep(step);
    const compressor = createStarKV({ budget: { percent }, window, backend, trace: true });
    // The step runs on a copy, so a step that fails part-way leaves the pass as it was.
    const working = this.#after.at(-1)?.clone() ?? new Session();
    const traces: AxisTrace[] = [];
    for (const layer of layers) {
      const input = inputs.get(layer);
      if (input === undefined) throw new RangeError(`EpisodePass: step ${step} has no input for layer ${layer}; prepareStep must return every layer in ${layers.join(", ")}`);
      const result = compressor.compress(working, layer, input);
      traces.push(axisTrace(step, layer, result, input.spans ?? []));
      await pause?.();
    }
    this.#after.push(working);
    this.#traces.push(...traces);
  }
}
