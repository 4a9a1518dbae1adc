import { guessGrid, type MIBins, miScore2d, positionBins } from "@starkv/mi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** Two position cells (rows 0 and 1) and two value bins, for hand-computed cases. */
const tinyBins: MIBins = { rows: 2, cols: 1, values: 2 };

function entropyOfCounts(counts: number[]): number {
  const total = counts.reduce((sum, count) => sum + count, 0);
  let entropy = 0;
  for (const count of counts) if (count > 0) entropy -= (count / total) * Math.log(count / total);
  return entropy;
}

describe("miScore2d", () => {
  it("returns 0 for no values", () => {
    expect(miScore2d([], [], [])).toBe(0);
  });

  it("returns 0 for one value", () => {
    expect(miScore2d([0.3], [0], [4])).toBe(0);
  });

  it("returns 0 when all positions share a bin", () => {
    const scores = [0.1, 0.5, 0.2, 0.9, 0.3, 0.7];
    expect(miScore2d(scores, [2, 2, 2, 2, 2, 2], [5, 5, 5, 5, 5, 5])).toBe(0);
  });

  it("clips bins before comparing them", () => {
    // Row bins 11 and 40 both clip to 11.
    expect(miScore2d([0.1, 0.9], [11, 40], [0, 0])).toBe(0);
  });

  it("returns 0 with a single value bin", () => {
    expect(miScore2d([0.1, 0.9, 0.4], [0, 1, 2], [0, 0, 0], { rows: 12, cols: 12, values: 1 })).toBe(0);
  });

  it("gives ln 2 for ranks aligned with rows", () => {
    expect(miScore2d([1, 2, 3, 4], [0, 0, 1, 1], [0, 0, 0, 0], tinyBins)).toBeCloseTo(Math.LN2, 10);
  });

  it("gives 0 for ranks independent of rows", () => {
    expect(miScore2d([1, 3, 2, 4], [0, 0, 1, 1], [0, 0, 0, 0], tinyBins)).toBeCloseTo(0, 10);
  });

  it("gives ln 16 with 16 own cells", () => {
    const scores = [0.3, 0.1, 0.8, 0.05, 0.6, 0.2, 0.9, 0.15, 0.45, 0.7, 0.35, 0.01, 0.5, 0.25, 0.65, 0.85];
    const rowBins = Array.from({ length: 16 }, (_, o) => Math.floor(o / 4));
    const colBins = Array.from({ length: 16 }, (_, o) => o % 4);
    expect(miScore2d(scores, rowBins, colBins)).toBeCloseTo(Math.log(16), 7);
  });

  // The 1e-12 terms inside the logarithms move these results by about 1e-9.
  it("gives ln 16 with 48 own cells", () => {
    // Value bins hold 3 ranks each, so H(value bins) = ln 16.
    const scores = Array.from({ length: 48 }, (_, o) => Math.sin(o * 12.9898) * 43758.5453 - Math.floor(Math.sin(o * 12.9898) * 43758.5453));
    const rowBins = Array.from({ length: 48 }, (_, o) => Math.floor(o / 12));
    const colBins = Array.from({ length: 48 }, (_, o) => o % 12);
    expect(miScore2d(scores, rowBins, colBins)).toBeCloseTo(Math.log(16), 7);
  });

  it("equals the value-bin entropy on a small span", () => {
    // 60 tokens on the guessed 8 × 8 grid each get their own cell.
    const { rowBins, colBins } = positionBins(60, guessGrid(60));
    const scores = Array.from({ length: 60 }, (_, o) => ((o * 37) % 61) / 61);
    const counts = new Array<number>(16).fill(0);
    for (let rank = 0; rank < 60; rank++) counts[Math.floor((rank * 16) / 60)]! += 1;
    expect(miScore2d(scores, rowBins, colBins)).toBeCloseTo(entropyOfCounts(counts), 7);
  });

  it("ranks ties by lower index", () => {
    // Equal scores rank in index order, so they align with the rows like [1, 2, 3, 4].
    expect(miScore2d([5, 5, 5, 5], [0, 0, 1, 1], [0, 0, 0, 0], tinyBins)).toBeCloseTo(Math.LN2, 10);
  });

  it("rejects bins of another length", () => {
    expect(() => miScore2d([1, 2, 3], [0, 1], [0, 1, 2])).toThrow("scores has 3 values but rowBins has 2 and colBins 3");
  });

  it("is invariant under monotone transforms", () => {
    const { rowBins, colBins } = positionBins(200, guessGrid(200));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 200, maxLength: 200 }), (values) => {
        const original = miScore2d(values, rowBins, colBins);
        expect(miScore2d(values.map((v) => 3 * v + 5), rowBins, colBins)).toBe(original);
        expect(miScore2d(values.map((v) => v * v), rowBins, colBins)).toBe(original);
        expect(miScore2d(values.map((v) => Math.sqrt(v)), rowBins, colBins)).toBe(original);
      }),
      { numRuns: 50 },
    );
  });

  it("is never negative", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 11 })), { minLength: 2, maxLength: 60 }),
        (tokens) => {
          const mi = miScore2d(
            tokens.map(([score]) => score),
            tokens.map(([, row]) => row),
            tokens.map(([, , col]) => col),
          );
          expect(mi).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});
