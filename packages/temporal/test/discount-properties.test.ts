import type { ClippedSpan } from "@starkv/core";
import { applyTemporalDiscount, initialTemporalState, type TemporalOptions } from "@starkv/temporal";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const optionsArbitrary: fc.Arbitrary<TemporalOptions> = fc.record({
  delta: fc.double({ min: 0, max: 5, noNaN: true }),
  rho: fc.double({ min: 0, max: 0.9999, noNaN: true }),
  eps: fc.double({ min: 0, max: 1, noNaN: true }),
  discountMin: fc.double({ min: 0, max: 1, noNaN: true }),
  warmupSteps: fc.constant(0),
  countUncompressedCalls: fc.constant(true),
});

/** Sorted, non-overlapping spans inside `[0, length)`, built from sorted cut points. */
const caseArbitrary = fc
  .record({
    length: fc.integer({ min: 4, max: 60 }),
    kvHeads: fc.integer({ min: 1, max: 4 }),
    cuts: fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { minLength: 4, maxLength: 12 }),
    calls: fc.integer({ min: 1, max: 4 }),
    seed: fc.integer({ min: 1, max: 1000 }),
  })
  .map(({ length, kvHeads, cuts, calls, seed }) => {
    const points = [...new Set(cuts.map((cut) => cut % (length + 1)))].sort((a, b) => a - b);
    const spans: ClippedSpan[] = [];
    for (let i = 0; i + 1 < points.length; i += 2) spans.push({ start: points[i]!, end: points[i + 1]! });
    return { length, kvHeads, spans, calls, seed };
  })
  .filter(({ spans }) => spans.length >= 2);

function groupScores(kvHeads: number, length: number, seed: number, call: number): Float64Array {
  return Float64Array.from({ length: kvHeads * length }, (_, i) => Math.abs(Math.sin(seed * 7.3 + call * 3.1 + i * 1.7)) - 0.1);
}

function bestGroupOf(scores: Float64Array, kvHeads: number, length: number): Int32Array {
  return Int32Array.from({ length }, (_, j) => {
    let best = 0;
    for (let g = 1; g < kvHeads; g++) if (scores[g * length + j]! > scores[best * length + j]!) best = g;
    return best;
  });
}

describe("temporal discount", () => {
  it("stays in [d_min, 1]", () => {
    fc.assert(
      fc.property(caseArbitrary, optionsArbitrary, ({ length, kvHeads, spans, calls, seed }, options) => {
        const state = initialTemporalState();
        for (let call = 0; call < calls; call++) {
          state.step += 1;
          const scores = groupScores(kvHeads, length, seed, call);
          const update = applyTemporalDiscount(state, new Float64Array(length).fill(1), scores, bestGroupOf(scores, kvHeads, length), kvHeads, spans, options);
          for (const value of update.discount!) {
            expect(value).toBeLessThanOrEqual(1);
            expect(value).toBeGreaterThanOrEqual(options.discountMin - 1e-12);
          }
        }
      }),
    );
  });

  it("never raises a score", () => {
    fc.assert(
      fc.property(caseArbitrary, optionsArbitrary, ({ length, kvHeads, spans, seed }, options) => {
        const state = { ...initialTemporalState(), step: 1 };
        const before = Float64Array.from({ length }, (_, j) => 1 + (j % 3));
        const scores = before.slice();
        const group = groupScores(kvHeads, length, seed, 0);
        applyTemporalDiscount(state, scores, group, bestGroupOf(group, kvHeads, length), kvHeads, spans, options);
        for (const [j, score] of scores.entries()) expect(score).toBeLessThanOrEqual(before[j]!);
      }),
    );
  });

  it("keeps stability in [0, 1]", () => {
    fc.assert(
      fc.property(caseArbitrary, optionsArbitrary, ({ length, kvHeads, spans, calls, seed }, options) => {
        const state = initialTemporalState();
        for (let call = 0; call < calls; call++) {
          const scores = groupScores(kvHeads, length, seed, call);
          const update = applyTemporalDiscount(state, new Float64Array(length).fill(1), scores, bestGroupOf(scores, kvHeads, length), kvHeads, spans, options);
          for (const value of update.stability!) {
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThanOrEqual(1);
          }
        }
      }),
    );
  });
});
