import { type ClippedSpan, createCompressor, type LayerInput, Session, tensor } from "@starkv/core";
import { applyTemporalDiscount, createTemporalStage, initialTemporalState, type TemporalOptions, type TemporalState } from "@starkv/temporal";
import { describe, expect, it } from "vitest";

const options: TemporalOptions = { delta: 0.1, rho: 0.9, eps: 0, discountMin: 0, warmupSteps: 0, countUncompressedCalls: true };

const length = 20;
const spans: ClippedSpan[] = [
  { start: 0, end: 5 },
  { start: 5, end: 10 },
  { start: 12, end: 18 },
];

/** Group scores `[2, 20]` with group 1 ahead on even positions. */
function groupScoresOf(shift = 0): Float64Array {
  const scores = new Float64Array(2 * length);
  for (let j = 0; j < length; j++) {
    scores[j] = 0.5 + 0.25 * Math.sin(j + shift);
    scores[length + j] = j % 2 === 0 ? 1 : 0.1;
  }
  return scores;
}

const bestGroup = Int32Array.from({ length }, (_, j) => (j % 2 === 0 ? 1 : 0));

function stateAt(step: number): TemporalState {
  return { ...initialTemporalState(), step };
}

describe("applyTemporalDiscount", () => {
  it("skips a single span", () => {
    const state = stateAt(3);
    const scores = new Float64Array(length).fill(1);
    const update = applyTemporalDiscount(state, scores, groupScoresOf(), bestGroup, 2, [{ start: 12, end: 18 }], options);
    expect(update.applied).toBe(false);
    expect(Array.from(scores)).toEqual(new Array<number>(length).fill(1));
    expect(state).toEqual({ step: 3, pattern: null, patternGroups: null });
  });

  it("skips a call without spans", () => {
    const state = stateAt(3);
    const scores = new Float64Array(length).fill(1);
    expect(applyTemporalDiscount(state, scores, groupScoresOf(), bestGroup, 2, [], options).applied).toBe(false);
    expect(state).toEqual({ step: 3, pattern: null, patternGroups: null });
  });

  it("counts frames back from the current span", () => {
    const update = applyTemporalDiscount(stateAt(1), new Float64Array(length).fill(1), groupScoresOf(), bestGroup, 2, spans, options);
    expect(Array.from(update.frameDistance!)).toEqual([2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("gives stability 1 on the first call", () => {
    const update = applyTemporalDiscount(stateAt(1), new Float64Array(length).fill(1), groupScoresOf(), bestGroup, 2, spans, options);
    for (const value of update.stability!) expect(value).toBeCloseTo(1, 12);
  });

  it("multiplies by exp(−δ·Δ) at stability 1", () => {
    const scores = new Float64Array(length).fill(2);
    applyTemporalDiscount(stateAt(1), scores, groupScoresOf(), bestGroup, 2, spans, options);
    const expected = [...new Array<number>(5).fill(2 * Math.exp(-0.2)), ...new Array<number>(5).fill(2 * Math.exp(-0.1)), ...new Array<number>(10).fill(2)];
    for (const [j, score] of scores.entries()) expect(score, `position ${j}`).toBeCloseTo(expected[j]!, 12);
  });

  it("applies the floors ε and d_min", () => {
    const scores = new Float64Array(length).fill(1);
    const update = applyTemporalDiscount(stateAt(1), scores, groupScoresOf(), bestGroup, 2, spans, { ...options, eps: 0.5, discountMin: 0.2 });
    // φ = 0.5 + 0.5 · 1 = 1, so D = 0.2 + 0.8 · exp(−0.1 · Δ).
    expect(update.discount![0]).toBeCloseTo(0.2 + 0.8 * Math.exp(-0.2), 12);
    expect(update.discount![5]).toBeCloseTo(0.2 + 0.8 * Math.exp(-0.1), 12);
    expect(update.discount![15]).toBe(1);
  });

  it("measures stability against the average", () => {
    // One group over a two-token current span: A = [1, 0], then A = [0, 1] with M = [0.9, 0.1].
    const twoSpans: ClippedSpan[] = [
      { start: 0, end: 2 },
      { start: 2, end: 4 },
    ];
    const state = stateAt(1);
    applyTemporalDiscount(state, new Float64Array(4).fill(1), [5, 5, 1, 0], new Int32Array(4), 1, twoSpans, options);
    const scores = new Float64Array(4).fill(1);
    const update = applyTemporalDiscount(state, scores, [5, 5, 0, 1], new Int32Array(4), 1, twoSpans, options);
    const stability = 0.1 / Math.sqrt(0.82);
    expect(update.stability![0]).toBeCloseTo(stability, 12);
    expect(state.pattern![0]).toBeCloseTo(0.9, 12);
    expect(state.pattern![1]).toBeCloseTo(0.1, 12);
    expect(scores[0]).toBeCloseTo(Math.exp(-0.1 * stability), 12);
  });

  it("clips negative scores in the pattern", () => {
    const state = stateAt(1);
    applyTemporalDiscount(state, new Float64Array(4).fill(1), [5, 5, -3, 1], new Int32Array(4), 1, [{ start: 0, end: 2 }, { start: 2, end: 4 }], options);
    expect(state.pattern).toEqual([0, 1]);
  });

  it("leaves scores alone in warm-up", () => {
    const state = stateAt(2);
    const scores = new Float64Array(length).fill(1);
    const update = applyTemporalDiscount(state, scores, groupScoresOf(), bestGroup, 2, spans, { ...options, warmupSteps: 2 });
    expect(update.warmup).toBe(true);
    expect(Array.from(scores)).toEqual(new Array<number>(length).fill(1));
  });

  it("updates the pattern in warm-up", () => {
    const state = stateAt(2);
    applyTemporalDiscount(state, new Float64Array(length).fill(1), groupScoresOf(), bestGroup, 2, spans, { ...options, warmupSteps: 2 });
    expect(state.pattern).toHaveLength(2 * 6);
    expect(state.patternGroups).toBe(2);
  });

  it("discounts after warm-up", () => {
    const scores = new Float64Array(length).fill(1);
    const update = applyTemporalDiscount(stateAt(3), scores, groupScoresOf(), bestGroup, 2, spans, { ...options, warmupSteps: 2 });
    expect(update.warmup).toBe(false);
    expect(scores[0]).toBeLessThan(1);
  });

  it("restarts the average on a new span length", () => {
    const state = stateAt(1);
    applyTemporalDiscount(state, new Float64Array(length).fill(1), groupScoresOf(), bestGroup, 2, spans, options);
    const longer = [spans[0]!, spans[1]!, { start: 11, end: 19 }];
    const update = applyTemporalDiscount(state, new Float64Array(length).fill(1), groupScoresOf(1.3), bestGroup, 2, longer, options);
    for (const value of update.stability!) expect(value).toBeCloseTo(1, 12);
    expect(state.pattern).toHaveLength(2 * 8);
  });

  it("keeps averaging at the same span length", () => {
    const state = stateAt(1);
    applyTemporalDiscount(state, new Float64Array(length).fill(1), groupScoresOf(), bestGroup, 2, spans, options);
    const update = applyTemporalDiscount(state, new Float64Array(length).fill(1), groupScoresOf(1.3), bestGroup, 2, spans, options);
    expect(update.stability![0]).toBeLessThan(0.999);
  });

  it("restarts the average on a new group count", () => {
    const state = stateAt(1);
    // Two groups over a 6-token span and three groups over a 4-token span both store 12 values.
    applyTemporalDiscount(state, new Float64Array(length).fill(1), groupScoresOf(), bestGroup, 2, spans, options);
    const threeGroups = new Float64Array(3 * length).map((_, i) => 1 + Math.cos(i));
    const update = applyTemporalDiscount(state, new Float64Array(length).fill(1), threeGroups, new Int32Array(length), 3, [spans[0]!, { start: 12, end: 16 }], options);
    for (const value of update.stability!) expect(value).toBeCloseTo(1, 12);
    expect(state.patternGroups).toBe(3);
  });
});

describe("temporal stage", () => {
  const input: LayerInput = {
    queries: tensor(new Float32Array(2 * 4 * 2).fill(0.5), [2, 4, 2]),
    keys: tensor(Float32Array.from({ length: 20 * 2 }, (_, i) => Math.sin(i)), [1, 20, 2]),
    values: tensor(new Float32Array(20 * 2), [1, 20, 2]),
  };

  function stepAfterUncompressedCall(countUncompressedCalls: boolean): unknown {
    const session = new Session();
    const compressor = createCompressor({ stages: [createTemporalStage({ ...options, countUncompressedCalls })], budget: { tokens: 30 }, window: 4 });
    compressor.compress(session, 0, input);
    return session.toJSON().layers[0]?.rows[0]?.["temporal"]?.["step"];
  }

  it("counts uncompressed calls by default", () => {
    expect(stepAfterUncompressedCall(true)).toBe(1);
  });

  it("skips uncompressed calls on request", () => {
    expect(stepAfterUncompressedCall(false)).toBe(0);
  });
});
