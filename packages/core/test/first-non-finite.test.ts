import { firstNonFinite } from "@starkv/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("firstNonFinite", () => {
  it("finds the first NaN or infinity", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity), (length, at, bad) => {
        const data = Float32Array.from({ length }, (_, i) => Math.sin(i) * 3e38);
        const index = at % length;
        data[index] = bad;
        expect(firstNonFinite(data)).toBe(index);
      }),
    );
  });

  it("accepts large finite values", () => {
    expect(firstNonFinite(Float32Array.from({ length: 9000 }, () => 3.4e38))).toBe(-1);
  });
});
