import { pyramidBudgets } from "@starkv/baselines";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("pyramidBudgets", () => {
  it("follows the linear schedule", () => {
    // A = 100, β = 20: min 5, max 195, steps of 47.5 over five layers.
    const schedule = pyramidBudgets(5, 100, 1000, 20);
    expect([...schedule.targets]).toEqual([195, 147.5, 100, 52.5, 5]);
    // The two half units go to the lower layer first: 148 and 52.
    expect([...schedule.budgets]).toEqual([195, 148, 100, 52, 5]);
    expect(schedule.notes).toEqual([]);
  });

  it("clamps to the past length and redistributes", () => {
    // Layer 0 requests 195 > 150, and after the first redistribution layer 1 requests 169 > 150.
    // The rest, 200 tokens, goes to 100 : 52.5 : 5 → 126.98, 66.67, 6.35 → 127, 67, 6.
    const schedule = pyramidBudgets(5, 100, 150, 20);
    expect([...schedule.budgets]).toEqual([150, 150, 127, 67, 6]);
    expect(schedule.notes.join("\n")).toMatch(/layer\(s\) 0, 1 keep all 150/);
  });

  it("gives one layer the uniform budget", () => {
    expect([...pyramidBudgets(1, 37, 80, 20).budgets]).toEqual([37]);
  });

  it("keeps at least one token per layer", () => {
    const schedule = pyramidBudgets(4, 2, 100, 20);
    expect(Math.min(...schedule.budgets)).toBe(1);
    expect(schedule.budgets.reduce((a, b) => a + b, 0)).toBe(8);
  });

  it("rejects keep above the past length", () => {
    expect(() => pyramidBudgets(4, 20, 10, 20)).toThrow(/keep is 20; expected an integer in \[1, pastLength = 10\]/);
  });

  it("sums to layers times keep and never grows with depth", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 300 }), fc.double({ min: 1, max: 50, noNaN: true }), (layers, keep, extra, beta) => {
        const pastLength = keep + extra;
        const { budgets } = pyramidBudgets(layers, keep, pastLength, beta);
        expect(budgets.reduce((a, b) => a + b, 0)).toBe(layers * keep);
        for (let l = 0; l < layers; l++) {
          expect(budgets[l]).toBeGreaterThanOrEqual(1);
          expect(budgets[l]).toBeLessThanOrEqual(pastLength);
          if (l > 0) expect(budgets[l]).toBeLessThanOrEqual(budgets[l - 1]!);
        }
      }),
    );
  });
});
