import type { ClippedSpan, Stage } from "@starkv/core";

/** Settings of the temporal stability discount. */
export interface TemporalOptions {
  /** `δ`, discount rate per frame of distance. Default 0.1. */
  readonly delta: number;
  /** `ρ`, moving-average decay of the attention pattern, in [0, 1). Default 0.9. */
  readonly rho: number;
  /** `ε`, floor of the stability factor `φ = ε + (1 − ε) · stab`, in [0, 1]. Default 0. */
  readonly eps: number;
  /** `d_min`, floor of the discount, in [0, 1]. Default 0. */
  readonly discountMin: number;
  /** Calls with `step ≤ warmupSteps` leave the scores unchanged. Default 0. */
  readonly warmupSteps: number;
  /**
   * Count calls that compress nothing (`T < C`) as steps, as the reference does. Set false
   * to count only compressed prefills. Default true.
   */
  readonly countUncompressedCalls: boolean;
}

/** Per-layer state of the temporal discount, as stored in a session. */
export interface TemporalState {
  [key: string]: number | number[] | null;
  /** Calls seen since the episode started. */
  step: number;
  /** `M` `[kvHeads, spanLength]` row-major moving average of the current screenshot's attention, or null. */
  pattern: number[] | null;
  /** `kvHeads` of `pattern`, or null. */
  patternGroups: number | null;
}

/** What one application of the discount computed. */
export interface TemporalUpdate {
  /** False when fewer than two screenshots remain after clipping (nothing changed). */
  readonly applied: boolean;
  /** `[kvHeads]` cosine stability of each group's pattern against its moving average. */
  readonly stability?: Float64Array;
  /** `[length]` frame distance: 0 for the current screenshot and text, 1 for the previous, … */
  readonly frameDistance?: Int32Array;
  /** `[length]` stability factor `φ` of each position's best group. */
  readonly phi?: Float64Array;
  /** `[length]` discount `D`; the scores were multiplied by it unless in warm-up. */
  readonly discount?: Float64Array;
  /** True when the call was inside the warm-up and the scores were left unchanged. */
  readonly warmup?: boolean;
}

/** Returns the state of a layer before its first call. */
export function initialTemporalState(): TemporalState {
  return { step: 0, pattern: null, patternGroups: null };
}

/**
 * Discounts tokens of older screenshots, in place, and updates the pattern average.
 *
 * With at least two clipped spans: each group's attention over the current screenshot is
 * normalised to `A[g]`; `M = ρ·M + (1 − ρ)·A` (restarted as `A` when the screenshot's
 * token count or the group count changed); `stab[g] = clamp(cos(A[g], M[g]), 0, 1)`.
 * Position `j` of span `i` of `n` is `Δ = n − 1 − i` frames old; with its best group
 * `g*`, `φ = ε + (1 − ε)·stab[g*]` and `D = d_min + (1 − d_min)·exp(−δ·Δ·φ)`. Scores are
 * multiplied by `D` unless `state.step ≤ warmupSteps`.
 *
 * @param scores `[length]` token scores, changed in place
 * @param groupScores `S` `[kvHeads, length]`
 * @param bestGroup `[length]` arg-max group of `S` per position
 */
export function applyTemporalDiscount(
  state: TemporalState,
  scores: Float64Array,
  groupScores: ArrayLike<number>,
  bestGroup: Int32Array,
  kvHeads: number,
  spans: readonly ClippedSpan[],
  options: TemporalOptions,
): TemporalUpdate {
  const length = scores.length;
  const current = spans.at(-1);
  if (length <= 0 || spans.length < 2 || current === undefined) return { applied: false };

  const m = current.end - current.start;
  const pattern = new Float64Array(kvHeads * m);
  for (let g = 0; g < kvHeads; g++) {
    let total = 0;
    for (let o = 0; o < m; o++) total += Math.max(groupScores[g * length + current.start + o]!, 0);
    const divisor = Math.max(total, 1e-8);
    for (let o = 0; o < m; o++) pattern[g * m + o] = Math.max(groupScores[g * length + current.start + o]!, 0) / divisor;
  }
  const previous = state.pattern;
  const average = new Float64Array(kvHeads * m);
  if (previous !== null && state.patternGroups === kvHeads && previous.length === kvHeads * m) {
    for (let i = 0; i < average.length; i++) average[i] = options.rho * previous[i]! + (1 - options.rho) * pattern[i]!;
  } else {
    average.set(pattern);
  }
  state.pattern = Array.from(average);
  state.patternGroups = kvHeads;

  const stability = new Float64Array(kvHeads);
  for (let g = 0; g < kvHeads; g++) {
    let dot = 0;
    let a2 = 0;
    let b2 = 0;
    for (let o = 0; o < m; o++) {
      const a = pattern[g * m + o]!;
      const b = average[g * m + o]!;
      dot += a * b;
      a2 += a * a;
      b2 += b * b;
    }
    const cosine = dot / (Math.max(Math.sqrt(a2), 1e-8) * Math.max(Math.sqrt(b2), 1e-8));
    stability[g] = Math.min(Math.max(cosine, 0), 1);
  }

  const frameDistance = new Int32Array(length);
  for (const [i, span] of spans.entries()) frameDistance.fill(spans.length - 1 - i, span.start, span.end);

  const phi = new Float64Array(length);
  const discount = new Float64Array(length);
  for (let j = 0; j < length; j++) {
    phi[j] = options.eps + (1 - options.eps) * stability[bestGroup[j]!]!;
    discount[j] = options.discountMin + (1 - options.discountMin) * Math.exp(-options.delta * frameDistance[j]! * phi[j]!);
  }
  const warmup = state.step <= options.warmupSteps;
  if (!warmup) for (let j = 0; j < length; j++) scores[j] = scores[j]! * discount[j]!;
  return { applied: true, stability, frameDistance, phi, discount, warmup };
}

/**
 * The temporal stability discount as a stage: `begin` counts the call (also when nothing
 * is compressed, unless `countUncompressedCalls` is false), `tokens` applies
 * `applyTemporalDiscount` per batch row.
 */
export function createTemporalStage(options: TemporalOptions): Stage<TemporalState> {
  return {
    name: "temporal",
    initialState: initialTemporalState,
    begin(call, state) {
      if (call.capacity.compresses || options.countUncompressedCalls) state.step += 1;
    },
    tokens(row, scores, state) {
      const update = applyTemporalDiscount(state, scores, row.groupScores, row.bestGroup(), row.kvHeads, row.spans, options);
      row.record("temporal", update);
    },
  };
}
