import { createVLCache, postVisionAttention, sparsityBudgets } from "@starkv/baselines";
import { resolveCapacity, Session, tensor } from "@starkv/core";
import { describe, expect, it } from "vitest";
import { randomInput } from "./inputs.js";

describe("sparsityBudgets", () => {
  it("splits by the dense share of each layer", () => {
    // 1 − γ = 0.4, 0.2, 0.2 → β = 0.5, 0.25, 0.25 of 40.
    expect([...sparsityBudgets([0.6, 0.8, 0.8], 40, 100, 0.001).budgets]).toEqual([20, 10, 10]);
  });

  it("clamps to the past length and moves the surplus", () => {
    // β = 0.8, 0.1, 0.1 of 30 requests 24 for layer 0, which has only 15 past positions. The other 15 split evenly.
    const { budgets } = sparsityBudgets([0.2, 0.9, 0.9], 30, 15, 0.001);
    expect([...budgets]).toEqual([15, 8, 7]);
  });

  it("shares equally when every layer is fully sparse", () => {
    const split = sparsityBudgets([1, 1], 10, 20, 0.001);
    expect([...split.budgets]).toEqual([5, 5]);
    expect(split.notes.join()).toMatch(/share the budget equally/);
  });
});

describe("postVisionAttention", () => {
  it("uses the rows after the last screenshot", () => {
    // Zero keys give uniform rows: the rows at positions 17, 18, 19 give 1/18, 1/19 and 1/20
    // to each key they see, all above 0.01.
    const input = {
      queries: tensor(new Float32Array(6), [1, 6, 1]),
      keys: tensor(new Float32Array(20), [1, 20, 1]),
      values: tensor(new Float32Array(20), [1, 20, 1]),
      spans: [{ start: 2, end: 17 }],
    };
    const capacity = resolveCapacity(20, { tokens: 10 }, 2);
    const attention = postVisionAttention(input, { shape: { heads: 1, kvHeads: 1, headDim: 1, seqLen: 20, windowRows: 6 }, capacity, groupSize: 1 }, 0.01);
    expect(attention.rows).toBe(3);
    expect(attention.sparsity).toBe(0);
    expect(attention.scores[0]).toBeCloseTo(1 / 18 + 1 / 19 + 1 / 20, 12);
    // Threshold 0.054 sits between 1/19 and 1/18: the 19 + 20 entries of the later rows are sparse.
    expect(postVisionAttention(input, { shape: { heads: 1, kvHeads: 1, headDim: 1, seqLen: 20, windowRows: 6 }, capacity, groupSize: 1 }, 0.054).sparsity).toBeCloseTo(39 / 57, 12);
  });

  it("falls back to the window without a screenshot", () => {
    const input = randomInput(1, { kvHeads: 1, groupSize: 1, seqLen: 20, headDim: 2, rows: 6 });
    const capacity = resolveCapacity(20, { tokens: 10 }, 4);
    const attention = postVisionAttention(input, { shape: { heads: 1, kvHeads: 1, headDim: 2, seqLen: 20, windowRows: 6 }, capacity, groupSize: 1 }, 0.01);
    expect(attention.rows).toBe(4);
    expect(attention.notes.join()).toMatch(/no screenshot span/);
  });
});

describe("VL-Cache", () => {
  it("splits the step budget across the given layers", () => {
    const spans = [{ start: 3, end: 40 }];
    const layers = new Map([0, 5, 9].map((layer) => [layer, randomInput(layer + 1, { kvHeads: 2, groupSize: 2, seqLen: 60, headDim: 4, rows: 20, spans, scale: 1 + layer })]));
    const step = createVLCache({ budget: { percent: 25 } }).compressStep(new Session(), layers, { layerCount: 12 });
    const keep = resolveCapacity(60, { percent: 25 }, 8).keep;
    const budgets = [...step.budgets.values()];
    expect([...step.budgets.keys()]).toEqual([0, 5, 9]);
    expect(budgets.reduce((a, b) => a + b, 0)).toBe(3 * keep);
    for (const [layer, result] of step.layers) {
      for (const head of result.heads) expect(head.positions.length - result.capacity.window).toBe(step.budgets.get(layer));
    }
  });
});
