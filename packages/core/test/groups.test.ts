import { argmaxGroup, fuseGroupPrior, gatherRows, groupScores, headMean, keptPositions, selectPerHead, tensor } from "@starkv/core";
import { describe, expect, it } from "vitest";

// Four heads over three positions; heads 0–1 form group 0 and heads 2–3 group 1.
const scores = Float32Array.from([1, 2, 3, 3, 2, 1, 0, 4, 8, 2, 0, 0]);

describe("groupScores", () => {
  it("averages the heads of each group", () => {
    expect(Array.from(groupScores(scores, 4, 2, 3))).toEqual([2, 2, 2, 1, 2, 4]);
  });

  it("keeps heads as groups without GQA", () => {
    expect(Array.from(groupScores(scores, 4, 4, 3))).toEqual(Array.from(scores));
  });
});

describe("headMean", () => {
  it("averages over all heads", () => {
    expect(Array.from(headMean(scores, 4, 3))).toEqual([1.5, 2, 3]);
  });
});

describe("argmaxGroup", () => {
  it("picks the larger group", () => {
    expect(Array.from(argmaxGroup(Float64Array.from([2, 2, 2, 1, 2, 4]), 2, 3))).toEqual([0, 0, 1]);
  });

  it("breaks ties to the lower group", () => {
    expect(Array.from(argmaxGroup(Float64Array.from([5, 5, 5]), 3, 1))).toEqual([0]);
  });
});

describe("fuseGroupPrior", () => {
  it("scales by the best group's weight", () => {
    // Factors (1 − 0.5) + 0.5 · w · 2: 0.75 for w = 0.25 and 1.25 for w = 0.75.
    const fused = Float64Array.from([4, 4, 4]);
    const weightAt = fuseGroupPrior(fused, [0.25, 0.75], Int32Array.from([0, 1, 1]), 0.5);
    expect(Array.from(fused)).toEqual([3, 5, 5]);
    expect(Array.from(weightAt)).toEqual([0.5, 1.5, 1.5]);
  });

  it("leaves scores alone at λ 0", () => {
    const fused = Float64Array.from([4, 7]);
    fuseGroupPrior(fused, [0.1, 0.9], Int32Array.from([0, 1]), 0);
    expect(Array.from(fused)).toEqual([4, 7]);
  });

  it("leaves scores alone with uniform weights", () => {
    const fused = Float64Array.from([4, 7]);
    fuseGroupPrior(fused, [0.5, 0.5], Int32Array.from([0, 1]), 1);
    expect(Array.from(fused)).toEqual([4, 7]);
  });
});

describe("keptPositions", () => {
  it("appends the window to the past positions", () => {
    expect(Array.from(keptPositions(Int32Array.from([1, 4]), 10, 3))).toEqual([1, 4, 7, 8, 9]);
  });
});

describe("gatherRows", () => {
  it("copies the named rows of every head", () => {
    // Two heads of three rows with headDim 2; value = 10 · head + row.
    const cache = tensor([0, 0, 1, 1, 2, 2, 10, 10, 11, 11, 12, 12], [2, 3, 2]);
    const gathered = gatherRows(cache, Int32Array.from([0, 2]));
    expect(gathered.shape).toEqual([2, 2, 2]);
    expect(Array.from(gathered.data)).toEqual([0, 0, 2, 2, 10, 10, 12, 12]);
  });
});

describe("selectPerHead", () => {
  it("selects per query head from its KV head", () => {
    // Two query heads share one KV head of four rows; the window is the last row.
    const keys = tensor([0, 1, 2, 3], [1, 4, 1]);
    const pooled = Float32Array.from([5, 1, 0, 0, 1, 5]);
    const selection = selectPerHead(pooled, 2, 3, 1, 1, keys, keys);
    expect(Array.from(selection.kept)).toEqual([0, 2]);
    expect(selection.keys.shape).toEqual([2, 2, 1]);
    expect(Array.from(selection.keys.data)).toEqual([0, 3, 2, 3]);
  });
});
