import type { ClippedSpan } from "@starkv/core";
import { defaultBins, groupMI, initialPriorState, type OnlinePriorOptions, updatePrior } from "@starkv/mi";
import { describe, expect, it } from "vitest";

const options: OnlinePriorOptions = {
  lambda: 0.5,
  profileSteps: 5,
  decay: 0.9,
  tau: 1,
  rampSteps: 10,
  grid: "square-guess",
  bins: defaultBins,
  normalisation: "min-max",
};

/**
 * Group scores `[2, 6]` whose span `[1, 5)` lies on a guessed 2 × 2 grid. With one column
 * bin and two value bins, group 0's ranks follow the rows (MI ln 2) and group 1's do not
 * (MI 0).
 */
const tinyOptions: OnlinePriorOptions = { ...options, bins: { rows: 2, cols: 1, values: 2 } };
const tinyScores = [9, 1, 2, 3, 4, 9, 9, 1, 3, 2, 4, 9];
const tinySpans: ClippedSpan[] = [{ start: 1, end: 5 }];

describe("updatePrior", () => {
  it("ramps λ after the profile steps", () => {
    const state = initialPriorState();
    const expected = [0, 0, 0, 0, 0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.5, 0.5];
    const lambdas = expected.map(() => updatePrior(state, tinyScores, 2, 6, tinySpans, options).lambda);
    for (const [i, lambda] of lambdas.entries()) expect(lambda, `step ${i + 1}`).toBeCloseTo(expected[i]!, 12);
  });

  it("counts one step per update", () => {
    const state = initialPriorState();
    updatePrior(state, tinyScores, 2, 6, tinySpans, options);
    updatePrior(state, tinyScores, 2, 6, tinySpans, options);
    expect(state.step).toBe(2);
  });

  it("stays off with zero profile steps", () => {
    const state = initialPriorState();
    const update = updatePrior(state, tinyScores, 2, 6, tinySpans, { ...options, profileSteps: 0 });
    expect(Array.from(update.weights)).toEqual([0.5, 0.5]);
    expect(update.lambda).toBe(0.5);
    expect(update.mi).toBeNull();
    expect(state).toEqual({ step: 0, ema: null });
  });

  it("counts a step without a span", () => {
    const state = initialPriorState();
    const update = updatePrior(state, tinyScores, 2, 6, [], options);
    expect(state.step).toBe(1);
    expect(state.ema).toBeNull();
    expect(update.mi).toBeNull();
    expect(Array.from(update.weights)).toEqual([0.5, 0.5]);
  });

  it("starts the average at the first MI", () => {
    const state = initialPriorState();
    const update = updatePrior(state, tinyScores, 2, 6, tinySpans, tinyOptions);
    expect(update.mi![0]).toBeCloseTo(Math.LN2, 6);
    expect(update.mi![1]).toBeCloseTo(0, 9);
    expect(state.ema).toEqual(Array.from(update.mi!));
  });

  it("reports the guessed grid", () => {
    const update = updatePrior(initialPriorState(), tinyScores, 2, 6, tinySpans, tinyOptions);
    expect(update.grid).toEqual([2, 2]);
  });

  it("averages the MI in float32", () => {
    const state = initialPriorState();
    updatePrior(state, tinyScores, 2, 6, tinySpans, tinyOptions);
    const previous = [...state.ema!];
    // Swap the groups so the new MI differs from the average.
    const swapped = [...tinyScores.slice(6), ...tinyScores.slice(0, 6)];
    const update = updatePrior(state, swapped, 2, 6, tinySpans, tinyOptions);
    const keep = Math.fround(0.9);
    const take = Math.fround(1 - 0.9);
    const expected = previous.map((value, g) => Math.fround(Math.fround(keep * value) + Math.fround(take * update.mi![g]!)));
    expect(state.ema).toEqual(expected);
  });

  it("weights the higher-MI group more", () => {
    const update = updatePrior(initialPriorState(), tinyScores, 2, 6, tinySpans, tinyOptions);
    expect(update.weights[0]).toBeCloseTo(Math.E / (1 + Math.E), 6);
    expect(update.weights[1]).toBeCloseTo(1 / (1 + Math.E), 6);
  });

  it("gives equal MI uniform weights", () => {
    // Spans of at most 144 tokens give every group the same MI with the default bins.
    const update = updatePrior(initialPriorState(), tinyScores, 2, 6, tinySpans, options);
    expect(Array.from(update.weights)).toEqual([0.5, 0.5]);
  });
});

describe("groupMI", () => {
  it("gives a group without mass 0", () => {
    const result = groupMI([0, 0, 0, 0, 0, 0, 9, 1, 3, 2, 4, 9], 2, 6, { start: 1, end: 5 }, { bins: tinyOptions.bins });
    expect(result.mi[0]).toBe(0);
    expect(result.mi[1]).toBe(0);
  });

  it("scores a group with mass", () => {
    const result = groupMI([0, 0, 0, 0, 0, 0, 9, 1, 2, 3, 4, 9], 2, 6, { start: 1, end: 5 }, { bins: tinyOptions.bins });
    expect(result.mi[1]).toBeCloseTo(Math.LN2, 6);
  });

  it("clips negative scores to 0", () => {
    const result = groupMI([0, -1, -2, -3, -4, 0], 1, 6, { start: 1, end: 5 }, { bins: tinyOptions.bins });
    expect(result.mi[0]).toBe(0);
  });

  it("rounds MI to float32", () => {
    const result = groupMI(tinyScores, 2, 6, { start: 1, end: 5 }, { bins: tinyOptions.bins });
    expect(result.mi[0]).toBe(Math.fround(result.exact[0]!));
  });

  it("uses the span grid when asked", () => {
    const result = groupMI(tinyScores, 2, 6, { start: 1, end: 5, grid: [1, 4] }, { grid: "image", bins: tinyOptions.bins });
    expect(result.grid).toEqual([1, 4]);
  });

  it("rejects the image grid without a grid", () => {
    expect(() => groupMI(tinyScores, 2, 6, { start: 1, end: 5 }, { grid: "image" })).toThrow('grid "image" needs the true grid of the span [1, 5)');
  });
});
