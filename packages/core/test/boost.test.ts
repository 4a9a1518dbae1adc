import { addBoost, createBoostStage, createCompressor, hiddenNorms, type LayerInput, Session, spatialBoost, tensor } from "@starkv/core";
import { describe, expect, it } from "vitest";
import { createRandom, randomTensor } from "./support/random.js";

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total;
}

describe("spatialBoost", () => {
  it("sums to alpha", () => {
    const norms = Float64Array.from([3.1, 0.4, 7.2, 5.5, 2.25, 9]);
    expect(sum(spatialBoost(norms, { alpha: 2, temperature: 3.5 }))).toBeCloseTo(2, 12);
  });

  it("gives one token all of alpha", () => {
    expect(Array.from(spatialBoost(Float64Array.from([5]), { alpha: 2, temperature: 3.5 }))).toEqual([2]);
  });

  it("returns nothing for an empty span", () => {
    expect(spatialBoost(new Float64Array(0), { alpha: 2, temperature: 1 })).toHaveLength(0);
  });

  it("spreads equal norms evenly", () => {
    const boost = spatialBoost(Float64Array.from([4, 4, 4, 4]), { alpha: 2, temperature: 1 });
    expect(Array.from(boost)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it("matches the two-token formula", () => {
    // Norms 1 and 3: mean 2, Bessel std √2, z = ∓1/√2, softmax of z.
    const boost = spatialBoost(Float64Array.from([1, 3]), { alpha: 1, temperature: 1 });
    expect(boost[0]).toBeCloseTo(1 / (1 + Math.exp(Math.SQRT2)), 7);
    expect(boost[1]).toBeCloseTo(Math.exp(Math.SQRT2) / (1 + Math.exp(Math.SQRT2)), 7);
  });

  it("divides z by the temperature", () => {
    const boost = spatialBoost(Float64Array.from([1, 3]), { alpha: 1, temperature: 2 });
    expect(boost[1]! / boost[0]!).toBeCloseTo(Math.exp(Math.SQRT2 / 2), 6);
  });

  it("gives larger norms more boost", () => {
    const boost = spatialBoost(Float64Array.from([1, 5, 3]), { alpha: 2, temperature: 3.5 });
    expect(boost[1]).toBeGreaterThan(boost[2]!);
    expect(boost[2]).toBeGreaterThan(boost[0]!);
  });
});

describe("hiddenNorms", () => {
  it("computes L2 norms of hidden states", () => {
    const hidden = tensor([3, 4, 0, 0, 1, 0, 6, 8], [4, 2]);
    expect(Array.from(hiddenNorms(hidden, 0, 4))).toEqual([5, 0, 1, 10]);
  });

  it("reads only the span", () => {
    const hidden = tensor([3, 4, 0, 0, 1, 0, 6, 8], [4, 2]);
    expect(Array.from(hiddenNorms(hidden, 1, 3))).toEqual([0, 1]);
  });

  it("passes given norms through", () => {
    const norms = tensor([2.5, 7, 1], [3]);
    expect(Array.from(hiddenNorms(norms, 1, 3))).toEqual([7, 1]);
  });
});

describe("addBoost", () => {
  it("adds to every head over the span", () => {
    const scores = new Float32Array(2 * 5);
    addBoost(scores, 2, 5, 1, Float64Array.from([1, 2]));
    expect(Array.from(scores)).toEqual([0, 1, 2, 0, 0, 0, 1, 2, 0, 0]);
  });
});

describe("boost stage", () => {
  const random = createRandom(3);
  const seqLen = 40;
  const input: LayerInput = {
    queries: randomTensor(random, [4, 8, 4]),
    keys: randomTensor(random, [2, seqLen, 4]),
    values: randomTensor(random, [2, seqLen, 4]),
    hidden: randomTensor(random, [seqLen, 6], 3),
    spans: [
      { start: 2, end: 10 },
      { start: 14, end: 26 },
    ],
  };
  const budget = { tokens: 16 };
  const plain = createCompressor({ stages: [], budget }).compress(new Session(), 0, input);

  it.each([0, -1])("skips alpha %d", (alpha) => {
    const boosted = createCompressor({ stages: [createBoostStage({ alpha, temperature: 1 })], budget }).compress(new Session(), 0, input);
    expect(Array.from(boosted.scores!)).toEqual(Array.from(plain.scores!));
  });

  it("adds alpha over the last span", () => {
    const boosted = createCompressor({ stages: [createBoostStage({ alpha: 2, temperature: 3.5 })], budget }).compress(new Session(), 0, input);
    const added = boosted.scores!.map((score, j) => score - plain.scores![j]!);
    expect(sum(added.subarray(14, 26))).toBeCloseTo(2, 5);
  });

  it("leaves positions outside the span alone", () => {
    const boosted = createCompressor({ stages: [createBoostStage({ alpha: 2, temperature: 3.5 })], budget }).compress(new Session(), 0, input);
    const outside = (values: Float64Array): number[] => [...values.subarray(0, 14), ...values.subarray(26)];
    expect(outside(boosted.scores!)).toEqual(outside(plain.scores!));
  });

  it("skips rows without hidden states", () => {
    const withoutHidden: LayerInput = { queries: input.queries, keys: input.keys, values: input.values, spans: input.spans! };
    const boosted = createCompressor({ stages: [createBoostStage({ alpha: 2, temperature: 3.5 })], budget }).compress(new Session(), 0, withoutHidden);
    expect(Array.from(boosted.scores!)).toEqual(Array.from(plain.scores!));
  });
});
