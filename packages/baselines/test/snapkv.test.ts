import { createSnapKV, reduceGroups } from "@starkv/baselines";
import { pool1d, resolveCapacity, selectPerHead, Session, topK, windowAttention } from "@starkv/core";
import { describe, expect, it } from "vitest";
import { randomInput, snapshot, unchanged } from "./inputs.js";

const shape = { kvHeads: 2, groupSize: 3, seqLen: 50, headDim: 4, rows: 8 };

function pooledScores(seed: number) {
  const input = randomInput(seed, shape);
  const capacity = resolveCapacity(shape.seqLen, { percent: 30 }, 8);
  const heads = shape.kvHeads * shape.groupSize;
  const pooled = pool1d(windowAttention(input.queries, input.keys, capacity.window).sums, heads, capacity.pastLength, 5, "avgpool");
  return { input, capacity, heads, pooled };
}

describe("SnapKV per KV head", () => {
  it("selects the Top-keep of the group mean per KV head", () => {
    const { input, capacity, heads, pooled } = pooledScores(1);
    const reduced = reduceGroups(pooled, heads, shape.kvHeads, capacity.pastLength, "mean");
    const result = createSnapKV({ budget: { percent: 30 } }).compressLayer(new Session(), 0, input);
    expect(result.layout).toBe("per-kv-head");
    expect(result.heads).toHaveLength(shape.kvHeads);
    expect(result.queryHeadsPerCacheHead).toBe(3);
    for (let g = 0; g < shape.kvHeads; g++) {
      const expected = topK(reduced.subarray(g * capacity.pastLength, (g + 1) * capacity.pastLength), capacity.keep);
      const window = Array.from({ length: capacity.window }, (_, i) => shape.seqLen - capacity.window + i);
      expect([...result.heads[g]!.positions]).toEqual([...expected, ...window]);
    }
  });

  it("reduces a group by its maximum", () => {
    const { input, capacity, pooled } = pooledScores(2);
    const result = createSnapKV({ budget: { percent: 30 }, reduction: "max" }).compressLayer(new Session(), 0, input);
    for (let g = 0; g < shape.kvHeads; g++) {
      const maxima = new Float64Array(capacity.pastLength).fill(-Infinity);
      for (let h = g * 3; h < g * 3 + 3; h++) for (let j = 0; j < capacity.pastLength; j++) maxima[j] = Math.max(maxima[j]!, pooled[h * capacity.pastLength + j]!);
      expect([...result.heads[g]!.positions.subarray(0, capacity.keep)]).toEqual([...topK(maxima, capacity.keep)]);
    }
  });

  it("lets KV heads keep different positions", () => {
    const result = createSnapKV({ budget: { percent: 30 } }).compressLayer(new Session(), 0, randomInput(3, shape));
    expect([...result.heads[0]!.positions]).not.toEqual([...result.heads[1]!.positions]);
  });

  it("leaves its input unchanged", () => {
    const input = randomInput(4, { ...shape, hidden: true, spans: [{ start: 5, end: 30 }] });
    const before = snapshot(input);
    createSnapKV({ budget: { percent: 30 } }).compressLayer(new Session(), 0, input);
    expect(unchanged(input, before)).toBe(true);
  });

  it("keeps a short prompt whole", () => {
    const input = randomInput(5, { ...shape, seqLen: 8 });
    const result = createSnapKV({ budget: { tokens: 20 } }).compressLayer(new Session(), 0, input);
    expect(result.compressed).toBe(false);
    expect(result.notes.join()).toMatch(/fewer than the capacity 20/);
    expect([...result.heads[0]!.positions]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("names the window when the queries are too few", () => {
    const input = randomInput(6, { ...shape, rows: 4 });
    expect(() => createSnapKV({ budget: { percent: 30 } }).compressLayer(new Session(), 2, input)).toThrow(/layer 2: queries hold 4 window rows but the window is 8/);
  });
});

describe("SnapKV per query head", () => {
  it("matches the reference per-head selection", () => {
    const { input, capacity, heads, pooled } = pooledScores(7);
    const reference = selectPerHead(pooled, heads, capacity.pastLength, capacity.keep, capacity.window, input.keys, input.values);
    const result = createSnapKV({ budget: { percent: 30 }, width: "query-head" }).compressLayer(new Session(), 0, input);
    expect(result.method).toBe("snapkv-per-head");
    expect(result.layout).toBe("per-query-head");
    expect(result.heads).toHaveLength(heads);
    expect(result.queryHeadsPerCacheHead).toBe(1);
    const slots = capacity.keep + capacity.window;
    for (let h = 0; h < heads; h++) {
      expect([...result.heads[h]!.positions.subarray(0, capacity.keep)]).toEqual([...reference.kept.subarray(h * capacity.keep, (h + 1) * capacity.keep)]);
      expect([...result.heads[h]!.keys.data]).toEqual([...reference.keys.data.subarray(h * slots * 4, (h + 1) * slots * 4)]);
      expect([...result.heads[h]!.values.data]).toEqual([...reference.values.data.subarray(h * slots * 4, (h + 1) * slots * 4)]);
    }
  });
});
