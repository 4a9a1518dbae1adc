import { allocateUnits } from "@starkv/baselines";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("allocateUnits", () => {
  it("splits in proportion when nothing clamps", () => {
    expect([...allocateUnits(10, [1, 1, 2, 1], 0, 10)]).toEqual([2, 2, 4, 2]);
  });

  it("gives rounding units to the largest fractions", () => {
    // Exact split 10/3 each: floors 3, 3, 3 and the last unit to the lowest index.
    expect([...allocateUnits(10, [1, 1, 1], 0, 10)]).toEqual([4, 3, 3]);
  });

  it("redistributes the surplus of a clamped item", () => {
    // Shares 6:2:2 of 10 give 6, 2, 2; the first is capped at 4 and 6 units go 3:3.
    expect([...allocateUnits(10, [6, 2, 2], 0, 4)]).toEqual([4, 3, 3]);
  });

  it("raises items to the lower bound", () => {
    expect([...allocateUnits(10, [0, 1, 9], 1, 10)]).toEqual([1, 1, 8]);
  });

  it("fills zero-share items once the others are full", () => {
    expect([...allocateUnits(9, [1, 0, 0], 0, 3)]).toEqual([3, 3, 3]);
  });

  it("rejects an infeasible total", () => {
    expect(() => allocateUnits(20, [1, 1], 0, 5)).toThrow(/total is 20 but the bounds allow only \[0, 10\]/);
  });

  it("rejects a negative share", () => {
    expect(() => allocateUnits(2, [1, -1], 0, 5)).toThrow(/shares\[1\] is -1/);
  });

  it("always sums to the total within the bounds", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (shares, lower, extra, where) => {
          const upper = lower + extra;
          const total = Math.round(shares.length * (lower + where * extra));
          const counts = allocateUnits(total, shares, lower, upper);
          expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
          for (const count of counts) {
            expect(count).toBeGreaterThanOrEqual(lower);
            expect(count).toBeLessThanOrEqual(upper);
          }
        },
      ),
    );
  });
});
