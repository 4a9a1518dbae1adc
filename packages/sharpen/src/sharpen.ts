import type { Stage } from "@starkv/core";

/** Settings of the attention-entropy budget (AEB). */
export interface SharpenOptions {
  /** Temperature at zero entropy. Default 0.75. */
  readonly minScale: number;
  /** Temperature at maximum entropy. Default 1.25. */
  readonly maxScale: number;
  /** `σ_e`, weight of the previous temperature in its moving average, in [0, 1). Default 0. */
  readonly smooth: number;
  /**
   * Keep the temperature's moving average across `Session.reset()`, as the reference
   * does (its per-episode reset misses it). Set false to clear it per episode. Default true.
   */
  readonly keepTemperatureOnReset: boolean;
}

/** Per-layer state of the AEB, as stored in a session. */
export interface SharpenState {
  [key: string]: number | null;
  /** The last temperature, or null before the first compressed prefill. */
  temperature: number | null;
}

/** Entropy of the head-mean attention of one batch row. */
export interface RowEntropy {
  /** `E = −Σ π ln(π + 1e-8)` in nats, `π` the head-mean scores normalised to sum 1. */
  readonly entropy: number;
  /** `E / (ln(max(1, length)) + 1e-8)`. */
  readonly normalized: number;
  /** `ln(max(1, length))`. */
  readonly maxEntropy: number;
}

/**
 * Computes the entropy of the head-mean of `scores` `[heads, length]`.
 *
 * `π + 1e-8` is rounded to float32 as in the reference, so a single position (`π = 1`)
 * has entropy exactly 0.
 */
export function rowEntropy(scores: ArrayLike<number>, heads: number, length: number): RowEntropy {
  const mean = new Float64Array(length);
  for (let h = 0; h < heads; h++) for (let j = 0; j < length; j++) mean[j] = mean[j]! + scores[h * length + j]!;
  let total = 0;
  for (let j = 0; j < length; j++) {
    mean[j] = Math.fround(mean[j]! / heads);
    total += mean[j]!;
  }
  const z = Math.max(total, 1e-8);
  let entropy = 0;
  for (let j = 0; j < length; j++) {
    const pi = Math.fround(mean[j]! / z);
    entropy -= pi * Math.log(Math.fround(pi + 1e-8));
  }
  const maxEntropy = Math.log(Math.max(1, length));
  return { entropy, normalized: entropy / (maxEntropy + 1e-8), maxEntropy };
}

/** Maps a normalised entropy to a temperature: `min + (max − min) · Ê`. */
export function temperatureOf(normalized: number, options: Pick<SharpenOptions, "minScale" | "maxScale">): number {
  return options.minScale + (options.maxScale - options.minScale) * normalized;
}

/**
 * Computes the AEB temperature of one call: each row's temperature from its entropy,
 * blended with `previous` by `smooth` when both exist, then the mean over rows.
 *
 * @param rows the head scores `[heads, length]` of every row that shares the state
 */
export function entropyTemperature(rows: readonly ArrayLike<number>[], heads: number, length: number, previous: number | null, options: SharpenOptions): { temperature: number; entropies: RowEntropy[] } {
  const entropies = rows.map((scores) => rowEntropy(scores, heads, length));
  let sum = 0;
  for (const { normalized } of entropies) {
    let t = temperatureOf(normalized, options);
    if (options.smooth > 0 && previous !== null) t = options.smooth * previous + (1 - options.smooth) * t;
    sum += t;
  }
  return { temperature: sum / rows.length, entropies };
}

/**
 * Raises non-negative scores to `1/τ`, in place: `f = max(t, 0)^(1/τ)`. Does nothing for
 * `τ ≤ 0`. The map is strictly increasing on `[0, ∞)`, so in exact arithmetic the Top-K
 * set never changes. In floating point, scores within a few ulps of each other can round
 * to the same value and become a tie (for example `1` and `1 + 2^-52` with `τ = 2`).
 */
export function sharpenScores(scores: Float64Array, temperature: number): void {
  if (!(temperature > 0)) return;
  const exponent = 1 / temperature;
  for (let j = 0; j < scores.length; j++) scores[j] = Math.max(scores[j]!, 0) ** exponent;
}

/**
 * The AEB as a stage: `batch` computes the temperature from the boosted head scores of
 * every row sharing the state, `tokens` sharpens each row's scores with it.
 */
export function createSharpenStage(options: SharpenOptions): Stage<SharpenState> {
  return {
    name: "sharpen",
    initialState: () => ({ temperature: null }),
    resetState: (state) => ({ temperature: options.keepTemperatureOnReset ? state.temperature : null }),
    batch(call, rows, state) {
      const { temperature } = entropyTemperature(
        rows.map((row) => row.scores),
        call.heads,
        call.capacity.pastLength,
        state.temperature,
        options,
      );
      state.temperature = temperature;
    },
    tokens(row, scores, state) {
      row.record("sharpen.temperature", state.temperature);
      if (state.temperature !== null) sharpenScores(scores, state.temperature);
    },
  };
}
