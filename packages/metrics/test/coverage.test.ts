import { createMethod } from "@starkv/baselines";
import { type LayerInput, Session, tensor } from "@starkv/core";
import { boxTokens, keptPerSpan, targetCoverage } from "@starkv/metrics";
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

describe("boxTokens", () => {
  // A 3 × 4 grid over a 400 × 300 screenshot: cells of 100 × 100 pixels, tokens 10 … 21.
  const span = { start: 10, end: 22, grid: [3, 4] as const };

  it("selects the cells a box overlaps", () => {
    // x 150-250 touches columns 1 and 2; y 50-120 touches rows 0 and 1.
    expect([...boxTokens(span, [400, 300], [150, 50, 100, 70])]).toEqual([11, 12, 15, 16]);
  });

  it("does not select a cell the box only touches at its edge", () => {
    expect([...boxTokens(span, [400, 300], [100, 100, 100, 100])]).toEqual([15]);
  });

  it("selects the cell of a point", () => {
    expect([...boxTokens(span, [400, 300], [399, 299, 0, 0])]).toEqual([21]);
  });

  it("rejects a box outside the image", () => {
    expect(() => boxTokens(span, [400, 300], [500, 10, 20, 20])).toThrow(/does not overlap the 400 × 300 image/);
  });

  it("needs the grid", () => {
    expect(() => boxTokens({ start: 0, end: 12 }, [400, 300], [0, 0, 1, 1])).toThrow(/has no grid/);
  });
});
