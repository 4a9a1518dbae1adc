import { groupWeights } from "@starkv/mi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total;
}

describe("groupWeights", () => {
  it("spreads min-max weights by e^(1/τ)", () => {
    const weights = groupWeights([0.1, 0.5, 0.3], 0.5);
    expect(weights[1]! / weights[0]!).toBeCloseTo(Math.exp(2), 5);
  });

  it("matches the softmax of min-max scores", () => {
    // s = [0, 1, 0.5] and τ = 0.5 give weights ∝ [1, e², e].
    const weights = groupWeights([0.1, 0.5, 0.3], 0.5);
    const total = 1 + Math.E + Math.exp(2);
    expect(weights[0]).toBeCloseTo(1 / total, 6);
    expect(weights[1]).toBeCloseTo(Math.exp(2) / total, 6);
    expect(weights[2]).toBeCloseTo(Math.E / total, 6);
  });

  it("ignores the size of MI differences", () => {
    const far = groupWeights([0, 10], 1);
    const near = groupWeights([1, 1.000001], 1);
    expect(Array.from(near)).toEqual(Array.from(far));
    expect(far[0]).toBeCloseTo(1 / (1 + Math.E), 6);
  });

  it("gives equal values uniform weights", () => {
    expect(Array.from(groupWeights([0.7, 0.7, 0.7, 0.7], 1))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it("returns float32 weights", () => {
    expect(groupWeights([1, 2], 1)).toBeInstanceOf(Float32Array);
  });

  it("returns nothing for no groups", () => {
    expect(groupWeights([], 1)).toHaveLength(0);
  });

  it("floors τ at 1e-6", () => {
    expect(Array.from(groupWeights([0.1, 0.2], 0))).toEqual([0, 1]);
  });

  it("keeps nearly equal MI nearly equal with max", () => {
    const weights = groupWeights([1, 1.0001, 0.9999], 1, "max");
    for (const weight of weights) expect(Math.abs(weight - 1 / 3)).toBeLessThan(1e-4);
  });

  it("matches the softmax of max-scaled scores", () => {
    // s = [0.5, 1] gives weights ∝ [e^0.5, e].
    const weights = groupWeights([1, 2], 1, "max");
    expect(weights[0]).toBeCloseTo(1 / (1 + Math.exp(0.5)), 6);
  });

  it("gives zero MI uniform weights with max", () => {
    expect(Array.from(groupWeights([0, 0, 0], 1, "max"))).toEqual(Array.from(new Float32Array(3).fill(1 / 3)));
  });

  it.each(["min-max", "max"] as const)("sums %s weights to 1", (normalisation) => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 5, noNaN: true }), { minLength: 1, maxLength: 8 }), fc.double({ min: 0.1, max: 10, noNaN: true }), (values, tau) => {
        expect(sum(groupWeights(values, tau, normalisation))).toBeCloseTo(1, 6);
      }),
    );
  });

  it.each(["min-max", "max"] as const)("keeps %s weights positive", (normalisation) => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 5, noNaN: true }), { minLength: 1, maxLength: 8 }), fc.double({ min: 0.1, max: 10, noNaN: true }), (values, tau) => {
        expect(groupWeights(values, tau, normalisation).every((weight) => weight > 0)).toBe(true);
      }),
    );
  });
});
