import { type ClippedSpan, fuseGroupPrior, type Stage } from "@starkv/core";
import type { MIBins } from "./grid.js";
import { type GridSource, groupMI } from "./group-mi.js";
import { groupWeights, type WeightNormalisation } from "./weights.js";

/** Settings of the online MI group prior. */
export interface OnlinePriorOptions {
  /** `λ*`, the prior's final weight in the fusion, in [0, 1]. Default 0.5. */
  readonly lambda: number;
  /** `N`, prefills with `λ = 0` at the start of an episode; 0 disables the prior. Default 5. */
  readonly profileSteps: number;
  /** `d`, the moving-average decay of the MI, in [0, 1). Default 0.9. */
  readonly decay: number;
  /** `τ`, softmax temperature of the group weights. Default 1. */
  readonly tau: number;
  /** `R`, prefills over which `λ` ramps from 0 to `λ*` after the profile steps. Default 10. */
  readonly rampSteps: number;
  /** Grid of the current screenshot: `"square-guess"` (reference) or `"image"`. */
  readonly grid: GridSource;
  readonly bins: MIBins;
  readonly normalisation: WeightNormalisation;
}

/** Per-layer state of the online prior, as stored in a session. */
export interface OnlinePriorState {
  [key: string]: number | number[] | null;
  /** Prefills seen since the episode started (per batch row in the reference's batch mode). */
  step: number;
  /** `[kvHeads]` float32 moving average of the per-group MI, or null before the first MI. */
  ema: number[] | null;
}

/** What one update of the prior produced. */
export interface PriorUpdate {
  /** `[kvHeads]` group weights summing to 1. */
  readonly weights: Float32Array;
  /** `λ` for this prefill. */
  readonly lambda: number;
  /** `[kvHeads]` this prefill's MI per group, or null when there is no span or the prior is off. */
  readonly mi: Float32Array | null;
  /** Grid the MI used, or null. */
  readonly grid: [number, number] | null;
}

/** Returns the state of a layer before its first prefill. */
export function initialPriorState(): OnlinePriorState {
  return { step: 0, ema: null };
}

/**
 * Advances the online prior by one prefill, updating `state` in place, as the reference
 * does: count the prefill, compute this prefill's group MI over the current screenshot
 * (even while `λ = 0`), fold it into the float32 moving average
 * `ema = fl32(fl32(d)·ema) + fl32(fl32(1−d)·mi)`, ramp `λ` (0 for the first `N` prefills,
 * then `λ* · min(1, (step − N) / R)`), and derive the weights from the moving average.
 * With `N = 0` nothing is counted and the weights stay uniform.
 *
 * @param scores `S` `[kvHeads, length]` group scores
 * @param spans clipped spans; the last is the current screenshot
 */
export function updatePrior(state: OnlinePriorState, scores: ArrayLike<number>, kvHeads: number, length: number, spans: readonly ClippedSpan[], options: OnlinePriorOptions): PriorUpdate {
  const uniform = new Float32Array(kvHeads).fill(1 / kvHeads);
  if (options.profileSteps <= 0) return { weights: uniform, lambda: options.lambda, mi: null, grid: null };

  const step = state.step + 1;
  state.step = step;

  const span = spans.at(-1);
  let mi: Float32Array | null = null;
  let grid: [number, number] | null = null;
  if (span !== undefined) {
    const result = groupMI(scores, kvHeads, length, span, { grid: options.grid, bins: options.bins });
    mi = result.mi;
    grid = result.grid;
    const previous = state.ema;
    if (previous?.length === mi.length) {
      const keep = Math.fround(options.decay);
      const take = Math.fround(1 - options.decay);
      state.ema = Array.from(mi, (value, g) => Math.fround(Math.fround(keep * previous[g]!) + Math.fround(take * value)));
    } else {
      state.ema = Array.from(mi);
    }
  }

  const lambda = step <= options.profileSteps ? 0 : options.lambda * Math.min(1, (step - options.profileSteps) / options.rampSteps);
  const weights = state.ema?.length === kvHeads ? groupWeights(state.ema, options.tau, options.normalisation) : uniform;
  return { weights, lambda, mi, grid };
}

/**
 * The online MI group prior as a token stage: it fuses the head-mean scores with the
 * weight of each position's best group, `scores · ((1 − λ) + λ · w[g*] · kvHeads)`.
 */
export function createMIPriorStage(options: OnlinePriorOptions): Stage<OnlinePriorState> {
  return {
    name: "mi",
    initialState: initialPriorState,
    check(row) {
      const span = row.spans.at(-1);
      if (options.grid === "image" && options.profileSteps > 0 && span !== undefined && span.grid === undefined) {
        throw new RangeError(`compress(): the MI prior uses grid "image" but the current screenshot span [${span.start}, ${span.end}) has no grid; pass spans with grid: [rows, cols] or use mi.grid "square-guess"`);
      }
    },
    tokens(row, scores, state) {
      const update = updatePrior(state, row.groupScores, row.kvHeads, row.capacity.pastLength, row.spans, options);
      const weightAt = fuseGroupPrior(scores, update.weights, row.bestGroup(), update.lambda);
      row.record("mi.cur", update.mi);
      row.record("mi.grid", update.grid);
      row.record("mi.ema", state.ema === null ? null : [...state.ema]);
      row.record("mi.weights", update.weights);
      row.record("mi.lambda", update.lambda);
      row.record("mi.step", state.step);
      row.record("mi.weightAt", weightAt);
    },
  };
}
