import {
  createBoostStage,
  createCompressor,
  type CompressorOptions,
  type LayerInput,
  OptionsError,
  type Selector,
  Session,
  type Stage,
  tensor,
} from "@starkv/core";
import { describe, expect, it } from "vitest";
import { createRandom, randomTensor } from "./support/random.js";

/** Builds an input of 2 KV heads, 4 query heads, headDim 4 and 8 query rows. */
function randomInput(seed: number, seqLen = 40): LayerInput {
  const random = createRandom(seed);
  return {
    queries: randomTensor(random, [4, 8, 4], 2),
    keys: randomTensor(random, [2, seqLen, 4], 2),
    values: randomTensor(random, [2, seqLen, 4]),
    hidden: randomTensor(random, [seqLen, 6], 3),
    spans: [
      { start: 2, end: 12 },
      { start: 14, end: 28 },
    ],
  };
}

function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Creates a token stage that sets the scores of the first `count` positions to 0. */
function zeroFirstStage(count: number): Stage {
  return {
    name: "zero-first",
    initialState: () => ({}),
    tokens(_row, scores) {
      scores.fill(0, 0, count);
    },
  };
}

describe("createCompressor options", () => {
  it("lists every problem at once", () => {
    const options = { stages: [], budget: { percent: 0 }, window: 0, kernel: 1.5, pooling: "meanpool", batchState: "all", colour: "red" };
    const error = errorOf(() => createCompressor(options as unknown as CompressorOptions));
    expect(error).toBeInstanceOf(OptionsError);
    const problems = (error as OptionsError).problems;
    expect(problems).toHaveLength(6);
    expect(problems.some((problem) => problem.startsWith("unknown option colour"))).toBe(true);
    expect(problems).toContain("window is 0; expected a positive integer");
    expect(problems).toContain("kernel is 1.5; expected a positive integer");
    expect(problems).toContain('pooling is meanpool; expected "avgpool" or "maxpool"');
    expect(problems).toContain('batchState is all; expected "per-row" or "shared"');
    expect(problems.some((problem) => problem.startsWith("budget.percent is 0"))).toBe(true);
  });

  it("counts problems in the message", () => {
    const error = errorOf(() => createCompressor({ stages: [], budget: { tokens: 0 }, window: -1 }));
    expect((error as Error).message).toMatch(/^createCompressor\(\): 2 invalid options:/);
  });

  it("rejects missing stages", () => {
    const error = errorOf(() => createCompressor({ budget: { tokens: 4 } } as unknown as CompressorOptions));
    expect((error as OptionsError).problems).toEqual(["stages must be an array of stages (it may be empty)"]);
  });

  it("rejects duplicate stage names", () => {
    const error = errorOf(() => createCompressor({ stages: [zeroFirstStage(1), zeroFirstStage(2)], budget: { tokens: 4 } }));
    expect((error as OptionsError).problems).toEqual(["two stages are named zero-first; stage names must be unique"]);
  });

  it("accepts every known option", () => {
    const compressor = createCompressor({ stages: [], budget: { tokens: 4 }, window: 2, kernel: 3, pooling: "maxpool", batchState: "shared", trace: true });
    expect(compressor.stages).toEqual([]);
    expect(compressor.selector.name).toBe("top-k");
    expect(compressor.backend.name).toBe("cpu");
  });
});

describe("compress inputs", () => {
  const compressor = createCompressor({ stages: [createBoostStage({ alpha: 2, temperature: 3.5 }), zeroFirstStage(3)], budget: { tokens: 16 } });

  it("leaves the input arrays unchanged", () => {
    const input = randomInput(1);
    const before = {
      queries: input.queries.data.slice(),
      keys: input.keys.data.slice(),
      values: input.values.data.slice(),
      hidden: input.hidden!.data.slice(),
      spans: structuredClone(input.spans),
    };
    compressor.compress(new Session(), 0, input);
    expect(input.queries.data).toEqual(before.queries);
    expect(input.keys.data).toEqual(before.keys);
    expect(input.values.data).toEqual(before.values);
    expect(input.hidden!.data).toEqual(before.hidden);
    expect(input.spans).toEqual(before.spans);
  });

  it("rejects NaN in keys with its index", () => {
    const input = randomInput(2);
    const keys = input.keys.data.slice();
    keys[(1 * 40 + 3) * 4 + 2] = NaN;
    const action = () => compressor.compress(new Session(), 0, { ...input, keys: tensor(keys, [2, 40, 4]) });
    expect(action).toThrow(RangeError);
    expect(action).toThrow("compress(): keys holds NaN at index [1, 3, 2] (shape [2, 40, 4])");
  });

  it("rejects infinite queries", () => {
    const input = randomInput(2);
    const queries = input.queries.data.slice();
    queries[5] = Infinity;
    const action = () => compressor.compress(new Session(), 0, { ...input, queries: tensor(queries, [4, 8, 4]) });
    expect(action).toThrow("queries holds Infinity at index [0, 1, 1]");
  });

  it("rejects NaN in a hidden row the boost reads", () => {
    const input = randomInput(2);
    const hidden = input.hidden!.data.slice();
    hidden[20 * 6 + 4] = NaN;
    const action = () => compressor.compress(new Session(), 0, { ...input, hidden: tensor(hidden, [40, 6]) });
    expect(action).toThrow(RangeError);
    expect(action).toThrow("boost stage (batch row 0): hidden contains NaN at index [20, 4] (shape [40, 6]), in the rows [14, 28) that the boost reads");
  });

  it("rejects infinite given norms in the span", () => {
    const input = randomInput(2);
    const norms = Float32Array.from({ length: 40 }, (_, j) => 1 + j / 40);
    norms[27] = -Infinity;
    const action = () => compressor.compress(new Session(), 0, { ...input, hidden: tensor(norms, [40]) });
    expect(action).toThrow("hidden contains -Infinity at index [27] (shape [40])");
  });

  it("ignores NaN in hidden rows nothing reads", () => {
    const input = randomInput(2);
    const hidden = input.hidden!.data.slice();
    // Row 5 lies in an older screenshot, row 13 between screenshots, row 35 in the window.
    for (const row of [5, 13, 35]) hidden[row * 6 + 1] = NaN;
    const clean = compressor.compress(new Session(), 0, input);
    const result = compressor.compress(new Session(), 0, { ...input, hidden: tensor(hidden, [40, 6]) });
    expect(Array.from(result.positions)).toEqual(Array.from(clean.positions));
    expect(Array.from(result.scores!)).toEqual(Array.from(clean.scores!));
  });

  it("keeps the session on a bad hidden row", () => {
    const counting: Stage<{ calls: number }> = {
      name: "count",
      initialState: () => ({ calls: 0 }),
      begin(_call, state) {
        state.calls += 1;
      },
    };
    const counted = createCompressor({ stages: [counting, createBoostStage({ alpha: 2, temperature: 3.5 })], budget: { tokens: 16 } });
    const session = new Session();
    const input = randomInput(2);
    counted.compress(session, 0, input);
    const before = session.toJSON();
    const hidden = input.hidden!.data.slice();
    hidden[14 * 6] = Infinity;
    expect(() => counted.compress(session, 0, { ...input, hidden: tensor(hidden, [40, 6]) })).toThrow("hidden contains Infinity at index [14, 0]");
    expect(session.toJSON()).toEqual(before);
  });

  it("names both shapes on a values mismatch", () => {
    const input = randomInput(3);
    const action = () => compressor.compress(new Session(), 0, { ...input, values: tensor(new Float32Array(2 * 39 * 4), [2, 39, 4]) });
    expect(action).toThrow(RangeError);
    expect(action).toThrow("keys have shape [2, 40, 4] but values have [2, 39, 4]");
  });

  it("rejects a head size mismatch", () => {
    const input = randomInput(4);
    const action = () => compressor.compress(new Session(), 0, { ...input, queries: tensor(new Float32Array(4 * 8 * 3), [4, 8, 3]) });
    expect(action).toThrow("queries have shape [4, 8, 3] [heads, rows, headDim] but keys have [2, 40, 4]");
  });

  it("rejects heads not divisible by KV heads", () => {
    const input = randomInput(5);
    const action = () => compressor.compress(new Session(), 0, { ...input, queries: tensor(new Float32Array(3 * 8 * 4), [3, 8, 4]) });
    expect(action).toThrow("queries have 3 heads and keys 2 KV heads");
  });

  it("rejects keys of the wrong rank", () => {
    const input = randomInput(6);
    const flat = tensor(input.keys.data, [80, 4]);
    const action = () => compressor.compress(new Session(), 0, { ...input, keys: flat, values: flat });
    expect(action).toThrow("keys has shape [80, 4] but must have 3 axes [kvHeads, tokens, headDim]");
  });

  it("rejects overlapping spans", () => {
    const input = { ...randomInput(7), spans: [{ start: 0, end: 10 }, { start: 5, end: 12 }] };
    expect(() => compressor.compress(new Session(), 0, input)).toThrow("invalid spans");
  });

  it("rejects hidden states of another length", () => {
    const input = { ...randomInput(8), hidden: tensor(new Float32Array(39), [39]) };
    expect(() => compressor.compress(new Session(), 0, input)).toThrow("hidden has shape [39] but keys have 40 tokens");
  });

  it("rejects fewer query rows than the window", () => {
    const input = randomInput(9);
    const action = () => compressor.compress(new Session(), 0, { ...input, queries: tensor(input.queries.data.slice(0, 4 * 4 * 4), [4, 4, 4]) });
    expect(action).toThrow("queries hold 4 window rows but the window is 8");
  });

  it("rejects a negative layer", () => {
    expect(() => compressor.compress(new Session(), -1, randomInput(10))).toThrow("compress(): layer is -1");
  });

  it("rejects batch rows of different lengths", () => {
    const action = () => compressor.compressBatch(new Session(), 0, [randomInput(11), randomInput(12, 41)]);
    expect(action).toThrow("compressBatch() row 1");
  });

  it("rejects an empty batch", () => {
    expect(() => compressor.compressBatch(new Session(), 0, [])).toThrow("expected at least one layer input, got an empty list");
  });
});

describe("compress results", () => {
  const budget = { tokens: 16 };

  it("gathers the rows named by positions", () => {
    const input = randomInput(20);
    const result = createCompressor({ stages: [], budget }).compress(new Session(), 0, input);
    const keptCount = result.positions.length;
    expect(result.keys.shape).toEqual([2, keptCount, 4]);
    expect(result.values.shape).toEqual([2, keptCount, 4]);
    for (let h = 0; h < 2; h++) {
      for (let s = 0; s < keptCount; s++) {
        const from = (h * 40 + result.positions[s]!) * 4;
        const to = (h * keptCount + s) * 4;
        expect(Array.from(result.keys.data.subarray(to, to + 4))).toEqual(Array.from(input.keys.data.subarray(from, from + 4)));
        expect(Array.from(result.values.data.subarray(to, to + 4))).toEqual(Array.from(input.values.data.subarray(from, from + 4)));
      }
    }
  });

  it("ends positions with the window", () => {
    const result = createCompressor({ stages: [], budget }).compress(new Session(), 0, randomInput(21));
    expect(result.positions).toHaveLength(16);
    expect(Array.from(result.positions.subarray(8))).toEqual([32, 33, 34, 35, 36, 37, 38, 39]);
  });

  it("names the backend", () => {
    expect(createCompressor({ stages: [], budget }).compress(new Session(), 0, randomInput(22)).backend).toBe("cpu");
  });

  it("returns the inputs below capacity", () => {
    const input = randomInput(23);
    const result = createCompressor({ stages: [], budget: { tokens: 50 } }).compress(new Session(), 0, input);
    expect(result.compressed).toBe(false);
    expect(result.keys).toBe(input.keys);
    expect(result.values).toBe(input.values);
    expect(Array.from(result.positions)).toEqual(Array.from({ length: 40 }, (_, j) => j));
    expect(result.scores).toBeUndefined();
  });

  it("lets a custom stage change the kept set", () => {
    // Past keys 0–9 point along the queries, so plain SnapKV keeps them.
    const input = randomInput(24);
    const queries = new Float32Array(4 * 8 * 4).fill(1);
    const keys = input.keys.data.slice();
    for (let h = 0; h < 2; h++) for (let j = 0; j < 10; j++) keys.fill(2, (h * 40 + j) * 4, (h * 40 + j + 1) * 4);
    const attracted = { ...input, queries: tensor(queries, [4, 8, 4]), keys: tensor(keys, [2, 40, 4]) };
    const plain = createCompressor({ stages: [], budget }).compress(new Session(), 0, attracted);
    const zeroed = createCompressor({ stages: [zeroFirstStage(10)], budget }).compress(new Session(), 0, attracted);
    expect(Array.from(plain.positions.subarray(0, 8)).some((position) => position < 10)).toBe(true);
    expect(Array.from(zeroed.positions.subarray(0, 8)).every((position) => position >= 10)).toBe(true);
  });

  it("uses a custom selector", () => {
    const firstPositions: Selector = { name: "first", select: (_scores, count) => Int32Array.from({ length: count }, (_, j) => j) };
    const result = createCompressor({ stages: [], budget, selector: firstPositions }).compress(new Session(), 0, randomInput(25));
    expect(Array.from(result.positions)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 32, 33, 34, 35, 36, 37, 38, 39]);
  });

  it("calls stage hooks in order", () => {
    const calls: string[] = [];
    const stage: Stage = {
      name: "log",
      initialState: () => ({}),
      begin: () => calls.push("begin"),
      heads: (row) => calls.push(`heads ${row.row}`),
      batch: (_call, rows) => calls.push(`batch ${rows.length}`),
      tokens: (row) => calls.push(`tokens ${row.row}`),
    };
    createCompressor({ stages: [stage], budget, batchState: "shared" }).compressBatch(new Session(), 0, [randomInput(26), randomInput(27)]);
    expect(calls).toEqual(["begin", "heads 0", "heads 1", "batch 2", "tokens 0", "tokens 1"]);
  });

  it("calls only begin below capacity", () => {
    const calls: string[] = [];
    const stage: Stage = {
      name: "log",
      initialState: () => ({}),
      begin: () => calls.push("begin"),
      heads: () => calls.push("heads"),
      tokens: () => calls.push("tokens"),
    };
    createCompressor({ stages: [stage], budget: { tokens: 50 } }).compress(new Session(), 0, randomInput(28));
    expect(calls).toEqual(["begin"]);
  });

  it("notes an even kernel", () => {
    const result = createCompressor({ stages: [], budget, kernel: 4 }).compress(new Session(), 0, randomInput(29));
    expect(result.scores).toHaveLength(32);
    expect(result.notes.some((note) => note.startsWith("even kernel 4"))).toBe(true);
  });

  it("records a trace on request", () => {
    const result = createCompressor({ stages: [], budget, trace: true }).compress(new Session(), 0, randomInput(30));
    expect(result.trace?.["kept"]).toEqual(result.positions.subarray(0, 8));
  });

  it("omits the trace by default", () => {
    expect(createCompressor({ stages: [], budget }).compress(new Session(), 0, randomInput(31)).trace).toBeUndefined();
  });
});
