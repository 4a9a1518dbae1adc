import { budgetProblem, capacityFor, resolveCapacity } from "@starkv/core";
import { describe, expect, it } from "vitest";

describe("resolveCapacity", () => {
  it("truncates percent in IEEE double", () => {
    // 100 · 0.29 is 28.999999999999996 in double, so the capacity is 28, not 29.
    expect(100 * (29 / 100)).toBeLessThan(29);
    const result = resolveCapacity(100, { percent: 29 }, 8);
    expect(result.capacity).toBe(28);
    expect(result.window).toBe(8);
    expect(result.keep).toBe(20);
    expect(result.pastLength).toBe(92);
    expect(result.compresses).toBe(true);
  });

  it("gives 434 for 29 percent of 1500", () => {
    expect(resolveCapacity(1500, { percent: 29 }, 8).capacity).toBe(434);
  });

  it("adds no notes for an ordinary budget", () => {
    expect(resolveCapacity(100, { percent: 20 }, 8).notes).toEqual([]);
  });

  it.each([
    { tokens: 20, window: 8, expected: 8 },
    { tokens: 10, window: 8, expected: 8 },
    { tokens: 9, window: 8, expected: 7 },
    { tokens: 6, window: 8, expected: 4 },
    { tokens: 3, window: 8, expected: 1 },
    { tokens: 2, window: 8, expected: 1 },
    { tokens: 1, window: 8, expected: 1 },
    { tokens: 50, window: 1, expected: 1 },
  ])("clamps window $window at capacity $tokens", ({ tokens, window, expected }) => {
    expect(resolveCapacity(100, { tokens }, window).window).toBe(expected);
  });

  it("notes a clamped window", () => {
    const result = resolveCapacity(100, { tokens: 6 }, 8);
    expect(result.notes).toHaveLength(1);
    expect(result.notes[0]).toContain("window clamped from 8 to 4");
  });

  it("skips compression when T < C", () => {
    const result = resolveCapacity(40, { tokens: 50 }, 8);
    expect(result.compresses).toBe(false);
    expect(result.capacity).toBe(50);
    expect(result.keep + result.window).toBe(40);
    expect(result.notes).toHaveLength(1);
    expect(result.notes[0]).toContain("40 tokens, fewer than the capacity 50");
  });

  it("compresses when T equals C", () => {
    const result = resolveCapacity(20, { percent: 100 }, 8);
    expect(result.compresses).toBe(true);
    expect(result.keep).toBe(12);
  });

  it("keeps two tokens at capacity 1", () => {
    const result = resolveCapacity(50, { tokens: 1 }, 8);
    expect(result.compresses).toBe(true);
    expect(result.window).toBe(1);
    expect(result.keep).toBe(1);
    expect(result.notes.some((note) => note.includes("below the minimum of 2 tokens"))).toBe(true);
  });

  it("keeps two tokens at capacity 0", () => {
    // trunc(50 · 0.01) = 0.
    const result = resolveCapacity(50, { percent: 1 }, 8);
    expect(result.capacity).toBe(0);
    expect(result.window).toBe(1);
    expect(result.keep).toBe(1);
    expect(result.notes.some((note) => note.includes("2 tokens are kept"))).toBe(true);
  });

  it("keeps two tokens at capacity 2", () => {
    const result = resolveCapacity(50, { tokens: 2 }, 8);
    expect(result.window).toBe(1);
    expect(result.keep).toBe(1);
    expect(result.notes.some((note) => note.includes("window clamped from 8 to 1"))).toBe(true);
  });

  it("derives capacity from a removed ratio", () => {
    const result = resolveCapacity(100, { removed: 0.25 }, 8);
    expect(result.capacity).toBe(75);
    expect(result.keep).toBe(67);
  });

  it("truncates the removed count in double", () => {
    // 100 · 0.29 truncates to 28 removed tokens, so 72 stay.
    expect(resolveCapacity(100, { removed: 0.29 }, 8).capacity).toBe(72);
  });

  it("keeps everything with removed 0", () => {
    const result = resolveCapacity(64, { removed: 0 }, 8);
    expect(result.capacity).toBe(64);
    expect(result.keep).toBe(56);
  });

  it("takes a token budget as is", () => {
    const result = resolveCapacity(100, { tokens: 30 }, 8);
    expect(result.capacity).toBe(30);
    expect(result.keep).toBe(22);
  });

  it("adds the window when not included", () => {
    const result = resolveCapacity(100, { percent: 20, windowIncluded: false }, 8);
    expect(result.capacity).toBe(28);
    expect(result.window).toBe(8);
    expect(result.keep).toBe(20);
  });

  it("counts the window when included", () => {
    const result = resolveCapacity(100, { percent: 20, windowIncluded: true }, 8);
    expect(result.capacity).toBe(20);
    expect(result.keep).toBe(12);
  });
});

describe("capacityFor", () => {
  it("returns C before the window clamp", () => {
    expect(capacityFor(100, { tokens: 3 }, 8)).toBe(3);
  });

  it("adds the configured window on top", () => {
    expect(capacityFor(1500, { percent: 29, windowIncluded: false }, 8)).toBe(442);
  });
});

describe("budgetProblem", () => {
  it.each([{ percent: 20 }, { percent: 100 }, { percent: 0.5, windowIncluded: false }, { removed: 0 }, { removed: 0.9 }, { tokens: 1 }])(
    "accepts %o",
    (budget) => {
      expect(budgetProblem(budget)).toBeUndefined();
    },
  );

  it("rejects a NaN percent", () => {
    expect(budgetProblem({ percent: NaN })).toBe("budget.percent is NaN; expected a number in (0, 100]");
  });

  it("rejects a zero percent", () => {
    expect(budgetProblem({ percent: 0 })).toContain("budget.percent is 0");
  });

  it("rejects a percent above 100", () => {
    expect(budgetProblem({ percent: 100.5 })).toContain("budget.percent is 100.5");
  });

  it("rejects an infinite percent", () => {
    expect(budgetProblem({ percent: Infinity })).toContain("budget.percent is Infinity");
  });

  it("rejects a string percent", () => {
    expect(budgetProblem({ percent: "20" })).toContain("budget.percent is 20");
  });

  it("rejects a non-boolean windowIncluded", () => {
    expect(budgetProblem({ percent: 20, windowIncluded: "yes" })).toContain("budget.windowIncluded is \"yes\"");
  });

  it("rejects unknown keys beside percent", () => {
    expect(budgetProblem({ percent: 20, windowincluded: true })).toContain("unknown key(s) windowincluded");
  });

  it("rejects unknown keys beside removed", () => {
    expect(budgetProblem({ removed: 0.2, extra: 1 })).toContain("budget has keys removed, extra");
  });

  it("rejects unknown keys beside tokens", () => {
    expect(budgetProblem({ tokens: 5, window: 8 })).toContain("budget has keys tokens, window");
  });

  it("rejects removed 1", () => {
    expect(budgetProblem({ removed: 1 })).toContain("budget.removed is 1");
  });

  it("rejects a negative removed", () => {
    expect(budgetProblem({ removed: -0.1 })).toContain("budget.removed is -0.1");
  });

  it("rejects a NaN removed", () => {
    expect(budgetProblem({ removed: NaN })).toContain("budget.removed is NaN");
  });

  it("rejects zero tokens", () => {
    expect(budgetProblem({ tokens: 0 })).toContain("budget.tokens is 0");
  });

  it("rejects fractional tokens", () => {
    expect(budgetProblem({ tokens: 2.5 })).toContain("budget.tokens is 2.5");
  });

  it("rejects an empty object", () => {
    expect(budgetProblem({})).toContain("budget has keys (none)");
  });

  it("rejects only unknown keys", () => {
    expect(budgetProblem({ ratio: 0.2 })).toContain("budget has keys ratio");
  });

  it("rejects null", () => {
    expect(budgetProblem(null)).toContain("budget is null");
  });

  it("rejects a bare number", () => {
    expect(budgetProblem(20)).toContain("budget is 20");
  });
});
