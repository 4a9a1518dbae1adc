import { type Budget, createStarKV, type ImageSpan, type LayerInput, type LayerResult, Session } from "@starkv/starkv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRandom, randomTensor } from "../../core/test/support/random.js";

const budgetArbitrary: fc.Arbitrary<Budget> = fc.oneof(
  fc.record({ percent: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ percent: fc.double({ min: 0.5, max: 100, noNaN: true }), windowIncluded: fc.boolean() }),
  fc.record({ removed: fc.double({ min: 0, max: 0.99, noNaN: true }) }),
  fc.record({ tokens: fc.integer({ min: 1, max: 100 }) }),
);

const episodeArbitrary = fc.record({
  kvHeads: fc.integer({ min: 1, max: 3 }),
  groupSize: fc.integer({ min: 1, max: 3 }),
  seqLen: fc.integer({ min: 12, max: 80 }),
  headDim: fc.integer({ min: 1, max: 6 }),
  window: fc.integer({ min: 1, max: 10 }),
  budget: budgetArbitrary,
  cuts: fc.uniqueArray(fc.integer({ min: 0, max: 80 }), { minLength: 0, maxLength: 8 }),
  hiddenWidth: fc.constantFrom(0, 3),
  calls: fc.integer({ min: 1, max: 8 }),
  seed: fc.integer(),
});

type Episode = typeof episodeArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** Sorted, non-overlapping spans inside the prompt, built from pairs of sorted cut points. */
function spansOf(episode: Episode): ImageSpan[] {
  const points = [...new Set(episode.cuts.map((cut) => cut % (episode.seqLen + 1)))].sort((a, b) => a - b);
  const spans: ImageSpan[] = [];
  for (let i = 0; i + 1 < points.length; i += 2) spans.push({ start: points[i]!, end: points[i + 1]! });
  return spans;
}

function inputOf(episode: Episode, random: () => number): LayerInput {
  const heads = episode.kvHeads * episode.groupSize;
  const hiddenShape = episode.hiddenWidth === 0 ? [episode.seqLen] : [episode.seqLen, episode.hiddenWidth];
  return {
    queries: randomTensor(random, [heads, episode.window, episode.headDim], 2),
    keys: randomTensor(random, [episode.kvHeads, episode.seqLen, episode.headDim], 2),
    values: randomTensor(random, [episode.kvHeads, episode.seqLen, episode.headDim], 1),
    hidden: randomTensor(random, hiddenShape, 3),
    spans: spansOf(episode),
  };
}

/** Runs an episode of `calls` prefills of layer 0 in one session and returns every result. */
function runEpisode(episode: Episode): LayerResult[] {
  const compressor = createStarKV({ budget: episode.budget, window: episode.window });
  const session = new Session();
  const random = createRandom(episode.seed);
  const results: LayerResult[] = [];
  for (let call = 0; call < episode.calls; call++) results.push(compressor.compress(session, 0, inputOf(episode, random)));
  return results;
}

describe("createStarKV episodes", () => {
  it("keep unique ascending positions in range", () => {
    fc.assert(
      fc.property(episodeArbitrary, (episode) => {
        for (const { positions } of runEpisode(episode)) {
          for (let s = 1; s < positions.length; s++) expect(positions[s]).toBeGreaterThan(positions[s - 1]!);
          expect(positions[0]).toBeGreaterThanOrEqual(0);
          expect(positions.at(-1)).toBeLessThan(episode.seqLen);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("keep keep plus window positions", () => {
    fc.assert(
      fc.property(episodeArbitrary, (episode) => {
        for (const { positions, capacity } of runEpisode(episode)) expect(positions).toHaveLength(capacity.keep + capacity.window);
      }),
      { numRuns: 60 },
    );
  });

  it("always keep the window", () => {
    fc.assert(
      fc.property(episodeArbitrary, (episode) => {
        for (const { positions, capacity } of runEpisode(episode)) {
          const expected = Array.from({ length: capacity.window }, (_, i) => episode.seqLen - capacity.window + i);
          expect(Array.from(positions.subarray(positions.length - capacity.window))).toEqual(expected);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("return finite scores", () => {
    fc.assert(
      fc.property(episodeArbitrary, (episode) => {
        for (const result of runEpisode(episode)) {
          const scores = result.scores ?? new Float64Array(0);
          expect(scores.every((score) => Number.isFinite(score))).toBe(true);
          expect(scores).toHaveLength(result.compressed ? result.capacity.pastLength : 0);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("leave the inputs unchanged", () => {
    fc.assert(
      fc.property(episodeArbitrary, (episode) => {
        const input = inputOf(episode, createRandom(episode.seed));
        const snapshot = [input.queries, input.keys, input.values, input.hidden!].map((value) => value.data.slice());
        createStarKV({ budget: episode.budget, window: episode.window }).compress(new Session(), 0, input);
        expect([input.queries, input.keys, input.values, input.hidden!].map((value) => value.data)).toEqual(snapshot);
      }),
      { numRuns: 30 },
    );
  });
});
