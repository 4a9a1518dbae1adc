import { type Budget, createCompressor, type LayerInput, type Pooling, Session } from "@starkv/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRandom, randomTensor } from "./support/random.js";

const budgetArbitrary: fc.Arbitrary<Budget> = fc.oneof(
  fc.record({ percent: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ percent: fc.double({ min: 0.5, max: 100, noNaN: true }), windowIncluded: fc.boolean() }),
  fc.record({ removed: fc.double({ min: 0, max: 0.99, noNaN: true }) }),
  fc.record({ tokens: fc.integer({ min: 1, max: 100 }) }),
);

const caseArbitrary = fc.record({
  kvHeads: fc.integer({ min: 1, max: 3 }),
  groupSize: fc.integer({ min: 1, max: 3 }),
  seqLen: fc.integer({ min: 12, max: 80 }),
  headDim: fc.integer({ min: 1, max: 6 }),
  window: fc.integer({ min: 1, max: 10 }),
  kernel: fc.integer({ min: 1, max: 7 }),
  pooling: fc.constantFrom<Pooling>("avgpool", "maxpool"),
  budget: budgetArbitrary,
  scale: fc.constantFrom(0.1, 1, 5),
  seed: fc.integer(),
});

type Case = typeof caseArbitrary extends fc.Arbitrary<infer T> ? T : never;

function inputOf(sample: Case): LayerInput {
  const random = createRandom(sample.seed);
  const heads = sample.kvHeads * sample.groupSize;
  return {
    queries: randomTensor(random, [heads, sample.window, sample.headDim], sample.scale),
    keys: randomTensor(random, [sample.kvHeads, sample.seqLen, sample.headDim], sample.scale),
    values: randomTensor(random, [sample.kvHeads, sample.seqLen, sample.headDim], 1),
  };
}

function compressCase(sample: Case) {
  const compressor = createCompressor({ stages: [], budget: sample.budget, window: sample.window, kernel: sample.kernel, pooling: sample.pooling });
  return compressor.compress(new Session(), 0, inputOf(sample));
}

describe("compressor without stages", () => {
  it("keeps unique ascending positions in range", () => {
    fc.assert(
      fc.property(caseArbitrary, (sample) => {
        const { positions } = compressCase(sample);
        for (let s = 1; s < positions.length; s++) expect(positions[s]).toBeGreaterThan(positions[s - 1]!);
        expect(positions[0]).toBeGreaterThanOrEqual(0);
        expect(positions.at(-1)).toBeLessThan(sample.seqLen);
      }),
    );
  });

  it("keeps keep plus window positions", () => {
    fc.assert(
      fc.property(caseArbitrary, (sample) => {
        const { positions, capacity } = compressCase(sample);
        expect(positions).toHaveLength(capacity.keep + capacity.window);
      }),
    );
  });

  it("always keeps the window", () => {
    fc.assert(
      fc.property(caseArbitrary, (sample) => {
        const { positions, capacity } = compressCase(sample);
        const expected = Array.from({ length: capacity.window }, (_, i) => sample.seqLen - capacity.window + i);
        expect(Array.from(positions.subarray(positions.length - capacity.window))).toEqual(expected);
      }),
    );
  });

  it("gathers one row per position", () => {
    fc.assert(
      fc.property(caseArbitrary, (sample) => {
        const { keys, values, positions } = compressCase(sample);
        expect(keys.shape).toEqual([sample.kvHeads, positions.length, sample.headDim]);
        expect(values.shape).toEqual([sample.kvHeads, positions.length, sample.headDim]);
      }),
    );
  });

  it("returns finite scores", () => {
    fc.assert(
      fc.property(caseArbitrary, (sample) => {
        const result = compressCase(sample);
        const scores = result.scores ?? new Float64Array(0);
        expect(scores.every((score) => Number.isFinite(score))).toBe(true);
        expect(scores).toHaveLength(result.compressed ? result.capacity.pastLength : 0);
      }),
    );
  });
});
