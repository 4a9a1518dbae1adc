import { accumulatedAttention, createH2O, h2oSplit } from "@starkv/baselines";
import { resolveCapacity, Session, tensor } from "@starkv/core";
import { describe, expect, it } from "vitest";

describe("accumulatedAttention", () => {
  it("sums uniform causal rows", () => {
    // Zero keys give uniform attention: row at position p gives 1/(p+1) to each key j ≤ p.
    const queries = tensor([1, 2, 3], [1, 3, 1]);
    const keys = tensor(new Float32Array(6), [1, 6, 1]);
    const sums = accumulatedAttention(queries, keys, 3);
    const early = 1 / 4 + 1 / 5 + 1 / 6;
    for (let j = 0; j < 4; j++) expect(sums[j]).toBeCloseTo(early, 12);
    expect(sums[4]).toBeCloseTo(1 / 5 + 1 / 6, 12);
    expect(sums[5]).toBeCloseTo(1 / 6, 12);
  });

  it("uses only the last rows when asked", () => {
    const queries = tensor([1, 2, 3], [1, 3, 1]);
    const keys = tensor(new Float32Array(6), [1, 6, 1]);
    const sums = accumulatedAttention(queries, keys, 1);
    for (let j = 0; j < 6; j++) expect(sums[j]).toBeCloseTo(1 / 6, 12);
  });
});

describe("H2O", () => {
  it("splits the budget half and half", () => {
    // T = 40, C = 20, w = 4: keep 16; recent part floor(20 · 0.5) = 10 → 6 past tokens.
    expect(h2oSplit(resolveCapacity(40, { tokens: 20 }, 4), 0.5)).toEqual({ recent: 6, heavy: 10 });
    expect(h2oSplit(resolveCapacity(40, { tokens: 20 }, 4), 0)).toEqual({ recent: 0, heavy: 16 });
    expect(h2oSplit(resolveCapacity(40, { tokens: 20 }, 4), 1)).toEqual({ recent: 16, heavy: 0 });
  });

  it("keeps the heavy hitters, the recent tokens and the window", () => {
    // headDim 1, one head: query 1, keys 0 except large keys at 2 and 5, which every row attends to.
    const seqLen = 16;
    const keyData = new Float32Array(seqLen);
    keyData[2] = 4;
    keyData[5] = 3;
    const input = {
      queries: tensor([1, 1, 1, 1], [1, 4, 1]),
      keys: tensor(keyData, [1, seqLen, 1]),
      values: tensor(new Float32Array(seqLen), [1, seqLen, 1]),
    };
    // C = 8, w = 2: keep 6; recent floor(8 / 2) − 2 = 2 (positions 12, 13); heavy 4 among 0-11.
    const result = createH2O({ budget: { tokens: 8 }, window: 2 }).compressLayer(new Session(), 0, input);
    // Heavy: 2 and 5 first, then the ties of the zero keys go to the lowest positions 0, 1.
    expect([...result.heads[0]!.positions]).toEqual([0, 1, 2, 5, 12, 13, 14, 15]);
    expect(result.budget).toEqual({ keepPerHead: 6, keepTotal: 6, window: 2 });
  });
});
