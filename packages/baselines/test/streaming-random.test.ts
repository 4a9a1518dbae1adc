import { createRandom as createRandomMethod, createStreamingLLM, randomPositions, seededUniform, sinkRecentPositions } from "@starkv/baselines";
import { Session } from "@starkv/core";
import { describe, expect, it } from "vitest";
import { randomInput } from "./inputs.js";

describe("StreamingLLM", () => {
  it("keeps sinks, recent tokens and the window", () => {
    // T = 20, C = 10, w = 4: L = 16, keep = 6 → sinks 0-3, recent 14-15, window 16-19.
    const method = createStreamingLLM({ budget: { tokens: 10 }, window: 4 });
    const input = randomInput(1, { kvHeads: 2, groupSize: 2, seqLen: 20, headDim: 3, rows: 4 });
    const result = method.compressLayer(new Session(), 0, input);
    expect(result.layout).toBe("shared");
    for (const head of result.heads) expect([...head.positions]).toEqual([0, 1, 2, 3, 14, 15, 16, 17, 18, 19]);
  });

  it("keeps fewer sinks than asked when the budget is small", () => {
    expect([...sinkRecentPositions(16, 3, 4)]).toEqual([0, 1, 2]);
    expect([...sinkRecentPositions(16, 6, 0)]).toEqual([10, 11, 12, 13, 14, 15]);
  });

  it("copies the rows of the kept positions", () => {
    const method = createStreamingLLM({ budget: { tokens: 10 }, window: 4 });
    const input = randomInput(2, { kvHeads: 2, groupSize: 1, seqLen: 20, headDim: 3, rows: 4 });
    const result = method.compressLayer(new Session(), 0, input);
    const head = result.heads[1]!;
    head.positions.forEach((position, s) => {
      expect([...head.keys.data.subarray(s * 3, s * 3 + 3)]).toEqual([...input.keys.data.subarray((20 + position) * 3, (20 + position) * 3 + 3)]);
      expect([...head.values.data.subarray(s * 3, s * 3 + 3)]).toEqual([...input.values.data.subarray((20 + position) * 3, (20 + position) * 3 + 3)]);
    });
  });
});

describe("Random", () => {
  const input = randomInput(3, { kvHeads: 2, groupSize: 2, seqLen: 60, headDim: 2, rows: 8 });

  it("is deterministic for a seed", () => {
    const first = createRandomMethod({ seed: 7, budget: { percent: 30 } }).compressLayer(new Session(), 3, input);
    const second = createRandomMethod({ seed: 7, budget: { percent: 30 } }).compressLayer(new Session(), 3, input);
    expect([...first.heads[0]!.positions]).toEqual([...second.heads[0]!.positions]);
  });

  it("differs between seeds and layers", () => {
    const method = createRandomMethod({ seed: 7, budget: { percent: 30 } });
    const other = createRandomMethod({ seed: 8, budget: { percent: 30 } });
    const layer3 = [...method.compressLayer(new Session(), 3, input).heads[0]!.positions];
    expect([...method.compressLayer(new Session(), 4, input).heads[0]!.positions]).not.toEqual(layer3);
    expect([...other.compressLayer(new Session(), 3, input).heads[0]!.positions]).not.toEqual(layer3);
  });

  it("does not depend on the call order", () => {
    const method = createRandomMethod({ seed: 11 });
    const layers = new Map([[0, input], [1, input]]);
    const together = method.compressStep(new Session(), layers, { layerCount: 2 });
    const alone = method.compressLayer(new Session(), 1, input);
    expect([...together.layers.get(1)!.heads[0]!.positions]).toEqual([...alone.heads[0]!.positions]);
  });

  it("draws distinct sorted positions", () => {
    const positions = randomPositions(50, 20, seededUniform(5));
    expect(positions).toHaveLength(20);
    expect(new Set(positions).size).toBe(20);
    expect([...positions]).toEqual([...positions].sort((a, b) => a - b));
  });

  it("draws every position about equally often", () => {
    const counts = new Float64Array(10);
    const uniform = seededUniform(1);
    for (let trial = 0; trial < 5000; trial++) for (const j of randomPositions(10, 3, uniform)) counts[j]!++;
    // Each position is kept with probability 3/10: 1500 expected, binomial sd about 32.
    for (const count of counts) expect(Math.abs(count - 1500)).toBeLessThan(160);
  });

  it("rejects a seed outside 32 bits", () => {
    expect(() => createRandomMethod({ seed: 2 ** 32 })).toThrow(/seed is 4294967296; expected an integer in \[0, 2\^32\)/);
  });
});
