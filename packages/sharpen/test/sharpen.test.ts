import { topK } from "@starkv/core";
import { sharpenScores } from "@starkv/sharpen";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("sharpenScores", () => {
  it("raises scores to 1/τ", () => {
    const scores = Float64Array.from([4, 9, 0.25]);
    sharpenScores(scores, 2);
    expect(Array.from(scores)).toEqual([2, 3, 0.5]);
  });

  it("squares scores at τ 0.5", () => {
    const scores = Float64Array.from([3, 0.5]);
    sharpenScores(scores, 0.5);
    expect(Array.from(scores)).toEqual([9, 0.25]);
  });

  it("clips negative scores to 0", () => {
    const scores = Float64Array.from([-2, 4]);
    sharpenScores(scores, 1);
    expect(Array.from(scores)).toEqual([0, 4]);
  });

  it.each([0, -1, NaN])("does nothing at τ %d", (temperature) => {
    const scores = Float64Array.from([-2, 4, 0.3]);
    sharpenScores(scores, temperature);
    expect(Array.from(scores)).toEqual([-2, 4, 0.3]);
  });

  // Quirk Q1 of the reference: x ↦ x^(1/τ) is strictly increasing on [0, ∞), so the
  // sharpening cannot change which positions the Top-K keeps. Scores are multiples of
  // 1/1024 so that no two distinct scores round to the same sharpened value.
  it("never changes the Top-K set", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 80 }),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        fc.nat(80),
        (units, temperature, count) => {
          const scores = Float64Array.from(units, (unit) => unit / 1024);
          const before = topK(scores, count);
          sharpenScores(scores, temperature);
          expect(Array.from(topK(scores, count))).toEqual(Array.from(before));
        },
      ),
    );
  });
});
