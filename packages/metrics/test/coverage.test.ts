import { createMethod } from "@starkv/baselines";
import { type LayerInput, Session, tensor } from "@starkv/core";
import { keptPerSpan, targetCoverage } from "@starkv/metrics";
import { describe, expect, it } from "vitest";

const seqLen = 20;
const input: LayerInput = {
  queries: tensor(new Float32Array(4 * 4), [4, 4, 1]),
  keys: tensor(new Float32Array(2 * seqLen), [2, seqLen, 1]),
  values: tensor(new Float32Array(2 * seqLen), [2, seqLen, 1]),
};
// C = 10, w = 4, sinks 2: each KV head keeps 0, 1, 12-15 and the window 16-19.
const result = createMethod("streamingllm", { budget: { tokens: 10 }, window: 4, sinks: 2 }).compressStep(new Session(), new Map([[0, input]]), { layerCount: 1 }).layers.get(0)!;

describe("targetCoverage", () => {
  it("is the kept share of the targets", () => {
    const coverage = targetCoverage(result, [1, 2, 3, 14]);
    expect(coverage.targets).toBe(4);
    expect([...coverage.perCacheHead]).toEqual([0.5, 0.5]);
    expect(coverage.mean).toBe(0.5);
  });

  it("counts repeated targets once", () => {
    expect(targetCoverage(result, [14, 14, 2]).mean).toBe(0.5);
  });

  it("rejects empty and out-of-range targets", () => {
    expect(() => targetCoverage(result, [])).toThrow(/targets is empty/);
    expect(() => targetCoverage(result, [20])).toThrow(/targets\[0\] is 20; expected a token position in \[0, 20\)/);
  });
});

describe("keptPerSpan", () => {
  it("counts kept tokens per screenshot", () => {
    const [first, second] = keptPerSpan(result, [{ start: 0, end: 10 }, { start: 10, end: 15 }]);
    expect([...first!.kept]).toEqual([2, 2]);
    expect(first!.meanFraction).toBe(0.2);
    expect([...second!.kept]).toEqual([3, 3]);
    expect(second!.meanFraction).toBe(0.6);
  });
});

