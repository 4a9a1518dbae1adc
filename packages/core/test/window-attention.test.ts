import { createCompressor, type LayerInput, Session, type Tensor, tensor, windowAttention } from "@starkv/core";
import { describe, expect, it } from "vitest";
import { createRandom, randomTensor } from "./support/random.js";

/** Returns a seeded generator of uniform numbers in [0, 1) (a 32-bit linear congruential generator). */
/**
 * Computes the window column sums the slow way. Each KV head is copied to its query heads
 * and the full window logits are built with keys after each query masked. A softmax runs
 * over all columns, then the probabilities of the past columns are summed over the window rows.
 */
function naiveColumnSums(queries: Tensor, keys: Tensor, window: number): number[][] {
  const [heads, rows, headDim] = queries.shape as [number, number, number];
  const [kvHeads, seqLen] = keys.shape as [number, number, number];
  const groupSize = heads / kvHeads;
  const pastLength = seqLen - window;
  const sums: number[][] = [];
  for (let h = 0; h < heads; h++) {
    const kvHead = Math.floor(h / groupSize);
    const expandedKeys: number[][] = [];
    for (let j = 0; j < seqLen; j++) expandedKeys.push(Array.from(keys.data.subarray((kvHead * seqLen + j) * headDim, (kvHead * seqLen + j + 1) * headDim)));
    const headSums = new Array<number>(pastLength).fill(0);
    for (let i = 0; i < window; i++) {
      const queryRow = rows - window + i;
      const queryPosition = seqLen - window + i;
      const query = Array.from(queries.data.subarray((h * rows + queryRow) * headDim, (h * rows + queryRow + 1) * headDim));
      const logits = expandedKeys.map((key, j) => {
        if (j > queryPosition) return -Infinity;
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += query[d]! * key[d]!;
        return dot / Math.sqrt(headDim);
      });
      const max = Math.max(...logits);
      const exps = logits.map((logit) => Math.exp(logit - max));
      const total = exps.reduce((sum, value) => sum + value, 0);
      for (let j = 0; j < pastLength; j++) headSums[j]! += exps[j]! / total;
    }
    sums.push(headSums);
  }
  return sums;
}

function maxDifference(actual: ArrayLike<number>, expected: readonly number[]): number {
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i]! - expected[i]!));
  return max;
}

describe("windowAttention", () => {
  const random = createRandom(7);
  const queries = randomTensor(random, [4, 5, 3], 2);
  const keys = randomTensor(random, [2, 9, 3], 2);
  const window = 3;

  it("matches a naive GQA reference", () => {
    const { sums } = windowAttention(queries, keys, window);
    const expected = naiveColumnSums(queries, keys, window).flat();
    expect(sums).toHaveLength(4 * 6);
    expect(maxDifference(sums, expected)).toBeLessThan(1e-6);
  });

  it("keeps each head's sum at most the window", () => {
    const { sums } = windowAttention(queries, keys, window);
    for (let h = 0; h < 4; h++) {
      const total = sums.subarray(h * 6, (h + 1) * 6).reduce((sum, value) => sum + value, 0);
      expect(total).toBeLessThanOrEqual(window + 1e-5);
    }
  });

  it("loses the mass on window columns", () => {
    // Window keys equal to the queries' direction draw almost all attention.
    const headDim = 2;
    const seqLen = 6;
    const keyData = new Float32Array(seqLen * headDim);
    for (let j = 4; j < seqLen; j++) keyData.set([10, 10], j * headDim);
    const strongQueries = tensor([10, 10, 10, 10], [1, 2, headDim]);
    const { sums } = windowAttention(strongQueries, tensor(keyData, [1, seqLen, headDim]), 2);
    const total = sums.reduce((sum, value) => sum + value, 0);
    expect(total).toBeLessThan(1e-6);
  });

  it("returns probabilities rows summing to 1", () => {
    const { probabilities } = windowAttention(queries, keys, window, true);
    expect(probabilities).toBeDefined();
    for (let row = 0; row < 4 * window; row++) {
      const total = probabilities!.subarray(row * 9, (row + 1) * 9).reduce((sum, value) => sum + value, 0);
      expect(total).toBeCloseTo(1, 6);
    }
  });

  it("masks keys after each window query", () => {
    const { probabilities } = windowAttention(queries, keys, window, true);
    // Window row i of each head may not see positions after 6 + i.
    for (let h = 0; h < 4; h++) {
      for (let i = 0; i < window; i++) {
        const row = probabilities!.subarray((h * window + i) * 9, (h * window + i + 1) * 9);
        for (let j = 6 + i + 1; j < 9; j++) expect(row[j]).toBe(0);
      }
    }
  });

  it("omits probabilities by default", () => {
    expect(windowAttention(queries, keys, window).probabilities).toBeUndefined();
  });
});

describe("compressor without stages", () => {
  it("matches head-mean SnapKV", () => {
    const random = createRandom(11);
    const heads = 4;
    const seqLen = 30;
    const window = 4;
    const kernel = 5;
    const keep = 8;
    const input: LayerInput = {
      queries: randomTensor(random, [heads, window, 4], 2),
      keys: randomTensor(random, [2, seqLen, 4], 2),
      values: randomTensor(random, [2, seqLen, 4]),
    };
    const result = createCompressor({ stages: [], budget: { tokens: keep + window }, window, kernel }).compress(new Session(), 0, input);

    // Average pooling with zero padding, the divisor always the kernel, then the head mean.
    const pastLength = seqLen - window;
    const sums = naiveColumnSums(input.queries, input.keys, window);
    const expectedScores = new Array<number>(pastLength).fill(0);
    for (const headSums of sums) {
      for (let j = 0; j < pastLength; j++) {
        let pooled = 0;
        for (let t = j - 2; t <= j + 2; t++) if (t >= 0 && t < pastLength) pooled += headSums[t]!;
        expectedScores[j]! += pooled / kernel / heads;
      }
    }
    const ranked = expectedScores.map((score, position) => ({ score, position })).sort((a, b) => b.score - a.score);
    const expectedPast = ranked.slice(0, keep).map(({ position }) => position).sort((a, b) => a - b);
    const expectedPositions = [...expectedPast, 26, 27, 28, 29];

    expect(result.compressed).toBe(true);
    expect(maxDifference(result.scores!, expectedScores)).toBeLessThan(1e-6);
    expect(Array.from(result.positions)).toEqual(expectedPositions);
  });
});
