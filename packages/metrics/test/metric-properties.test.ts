import { createMethod, methodNames } from "@starkv/baselines";
import { type LayerInput, Session, tensor } from "@starkv/core";
import { layerQuality } from "@starkv/metrics";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

function inputOf(seed: number, kvHeads: number, groupSize: number, seqLen: number, headDim: number, rows: number): LayerInput {
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  const heads = kvHeads * groupSize;
  const make = (shape: number[]) => tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random() * 4), shape);
  return { queries: make([heads, rows, headDim]), keys: make([kvHeads, seqLen, headDim]), values: make([kvHeads, seqLen, headDim]) };
}

const caseArbitrary = fc.record({
  seed: fc.integer(),
  kvHeads: fc.integer({ min: 1, max: 3 }),
  groupSize: fc.integer({ min: 1, max: 3 }),
  seqLen: fc.integer({ min: 12, max: 50 }),
  headDim: fc.integer({ min: 1, max: 4 }),
  percent: fc.integer({ min: 5, max: 100 }),
  method: fc.constantFrom(...methodNames()),
});

describe("metric ranges", () => {
  it("keeps recall in [0, 1] and gives Full recall 1 and error 0", () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const input = inputOf(c.seed, c.kvHeads, c.groupSize, c.seqLen, c.headDim, 8);
        const evalQueries = inputOf(c.seed + 1, c.kvHeads, c.groupSize, c.seqLen, c.headDim, 2).queries;
        const options = c.method === "full" ? {} : { budget: { percent: c.percent } };
        const result = createMethod(c.method, options).compressStep(new Session(), new Map([[0, input]]), { layerCount: 1 }).layers.get(0)!;
        const quality = layerQuality(input, result, { evalQueries });
        for (const recall of [quality.recall.window, quality.recall.heldOut!]) {
          expect(recall.mean).toBeGreaterThanOrEqual(0);
          expect(recall.mean).toBeLessThanOrEqual(1 + 1e-12);
        }
        expect(quality.outputError.mean).toBeGreaterThanOrEqual(0);
        if (!result.compressed) {
          expect(quality.recall.window.mean).toBeCloseTo(1, 12);
          expect(quality.outputError.mean).toBe(0);
        }
      }),
      { numRuns: 80 },
    );
  });
});
