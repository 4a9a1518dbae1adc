import { topK } from "@starkv/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("topK", () => {
  it("returns positions in ascending order", () => {
    expect(Array.from(topK([0.5, 0.9, 0.1, 0.7], 2))).toEqual([1, 3]);
  });

  it("returns an Int32Array", () => {
    expect(topK([1, 2], 1)).toBeInstanceOf(Int32Array);
  });

  it("breaks ties by lower position", () => {
    expect(Array.from(topK([1, 3, 3, 2, 3], 2))).toEqual([1, 2]);
  });

  it("prefers a higher score over a lower position", () => {
    expect(Array.from(topK([2, 1, 2, 2, 5], 2))).toEqual([0, 4]);
  });

  it("keeps every tied value when room allows", () => {
    expect(Array.from(topK([1, 3, 3, 2, 3], 3))).toEqual([1, 2, 4]);
  });

  it("selects everything when count exceeds length", () => {
    expect(Array.from(topK([4, 2, 9], 10))).toEqual([0, 1, 2]);
  });

  it("selects nothing for count 0", () => {
    expect(topK([4, 2, 9], 0)).toHaveLength(0);
  });

  it("selects nothing for a negative count", () => {
    expect(topK([4, 2, 9], -1)).toHaveLength(0);
  });

  it("matches a sorted reference", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 40 }), fc.nat(45), (scores, count) => {
        const expected = scores
          .map((score, position) => ({ score, position }))
          .sort((a, b) => (a.score !== b.score ? b.score - a.score : a.position - b.position))
          .slice(0, count)
          .map(({ position }) => position)
          .sort((a, b) => a - b);
        expect(Array.from(topK(scores, count))).toEqual(expected);
      }),
    );
  });

  it("matches a sorted reference on float scores", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.constantFrom(0, -0, 1, 2)), { minLength: 1, maxLength: 400 }),
        fc.nat(420),
        (scores, count) => {
          const expected = scores
            .map((score, position) => ({ score, position }))
            .sort((a, b) => (a.score !== b.score ? b.score - a.score : a.position - b.position))
            .slice(0, count)
            .map(({ position }) => position)
            .sort((a, b) => a - b);
          expect(Array.from(topK(Float64Array.from(scores), count))).toEqual(expected);
        },
      ),
    );
  });

  it("selects from long runs of equal scores", () => {
    const scores = new Float64Array(5000).fill(1);
    scores[4000] = 2;
    scores[10] = 0;
    expect(Array.from(topK(scores, 3))).toEqual([0, 1, 4000]);
    expect(topK(scores, 4999)).not.toContain(10);
  });

  it("sorts scores that contain NaN", () => {
    expect(Array.from(topK([0.5, NaN, 0.9], 3))).toEqual([0, 1, 2]);
    expect(topK([0.5, NaN, 0.9], 1)).toHaveLength(1);
  });
});
