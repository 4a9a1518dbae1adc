import { createAdaKV, selectAcrossHeads } from "@starkv/baselines";
import { Session, tensor } from "@starkv/core";
import { describe, expect, it } from "vitest";
import { randomInput } from "./inputs.js";

describe("selectAcrossHeads", () => {
  it("takes the floor per head, then the best scores across heads", () => {
    // Head 0 is concentrated, head 1 spread out.
    const scores = Float64Array.from([0.9, 0.05, 0.03, 0.02, 0.3, 0.25, 0.25, 0.2]);
    const kept = selectAcrossHeads(scores, 2, 4, 4, 1);
    // Floors: position 0 of each head (0.9 and 0.3). The two remaining units go to head 1's
    // 0.25s, which beat head 0's next score 0.05.
    expect(kept.map((k) => [...k])).toEqual([[0], [0, 1, 2]]);
  });

  it("breaks ties to the lower head, then the lower position", () => {
    const scores = Float64Array.from([1, 1, 1, 1]);
    expect(selectAcrossHeads(scores, 2, 2, 3, 0).map((k) => [...k])).toEqual([[0, 1], [0]]);
  });

  it("rejects a floor above the total share", () => {
    expect(() => selectAcrossHeads(new Float64Array(8), 2, 4, 4, 3)).toThrow(/floor is 3; expected an integer in \[0, min\(length, total \/ heads\)\] = \[0, 2\]/);
  });
});

describe("Ada-KV", () => {
  it("splits the layer budget across KV heads", () => {
    const input = randomInput(1, { kvHeads: 4, groupSize: 2, seqLen: 80, headDim: 4, rows: 8, scale: 2 });
    const result = createAdaKV({ budget: { percent: 25 } }).compressLayer(new Session(), 0, input);
    const { keep, window } = result.capacity;
    const counts = result.heads.map((head) => head.positions.length - window);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4 * keep);
    expect(result.budget.keepTotal).toBe(4 * keep);
    for (const count of counts) expect(count).toBeGreaterThanOrEqual(Math.floor(0.2 * keep));
    for (const head of result.heads) expect(head.keys.shape).toEqual([head.positions.length, 4]);
  });

  it("gives a spread-out head more tokens than a concentrated one", () => {
    // KV head 0's keys make one position dominate; KV head 1's keys are all equal (uniform attention).
    const seqLen = 40;
    const keys = new Float32Array(2 * seqLen);
    keys[7] = 10;
    const input = {
      queries: tensor(new Float32Array(2 * 8).fill(1), [2, 8, 1]),
      keys: tensor(keys, [2, seqLen, 1]),
      values: tensor(new Float32Array(2 * seqLen), [2, seqLen, 1]),
    };
    const result = createAdaKV({ budget: { tokens: 18 }, kernel: 1 }).compressLayer(new Session(), 0, input);
    const window = result.capacity.window;
    const [concentrated, spread] = result.heads.map((head) => head.positions.length - window);
    expect(result.budget.keepPerHead).toBeUndefined();
    expect(concentrated! + spread!).toBe(2 * result.capacity.keep);
    expect(spread!).toBeGreaterThan(concentrated!);
    expect(result.heads[0]!.positions).toContain(7);
  });
});
