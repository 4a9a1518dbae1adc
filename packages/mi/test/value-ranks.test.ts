import { valueRanks } from "@starkv/mi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** Ranks by the definition: values ascending, ties by lower index, −0 equal to +0. */
function referenceRanks(values: ArrayLike<number>): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => (values[a]! !== values[b]! ? values[a]! - values[b]! : a - b));
  const ranks = new Array<number>(values.length);
  order.forEach((index, rank) => (ranks[index] = rank));
  return ranks;
}

describe("valueRanks", () => {
  it("ranks non-negative float32 values", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.constant(-0), fc.float({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 4 })), { maxLength: 300 }), (list) => {
        const values = Float32Array.from(list);
        expect(Array.from(valueRanks(values))).toEqual(referenceRanks(values));
      }),
    );
  });

  it("ranks negative and float64 values", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.integer({ min: -2, max: 2 })), { maxLength: 200 }), (list) => {
        expect(Array.from(valueRanks(list))).toEqual(referenceRanks(list));
        const values = Float32Array.from(list);
        expect(Array.from(valueRanks(values))).toEqual(referenceRanks(values));
      }),
    );
  });

  it("gives ties to the lower index", () => {
    expect(Array.from(valueRanks(Float32Array.from([0.5, 0, 0.5, -0, 0.25])))).toEqual([3, 0, 4, 1, 2]);
  });

  it("orders large exponents", () => {
    expect(Array.from(valueRanks(Float32Array.from([3e38, 1e-40, 2, 0, 1e-30])))).toEqual([4, 1, 3, 0, 2]);
  });

  it("returns nothing for no values", () => {
    expect(valueRanks(new Float32Array(0))).toHaveLength(0);
  });
});
