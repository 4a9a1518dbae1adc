import { createMethod, type HeadCache, type MethodLayerResult } from "@starkv/baselines";
import { type LayerInput, resolveCapacity, Session, tensor } from "@starkv/core";
import { attentionRecall, layerQuality, outputError } from "@starkv/metrics";
import { describe, expect, it } from "vitest";
import { createRandom } from "../../core/test/support/random.js";

function randomInput(seed: number, heads: number, kvHeads: number, seqLen: number, headDim: number, rows: number): LayerInput {
  const random = createRandom(seed);
  const values = (n: number) => Float32Array.from({ length: n }, () => random() * 2 - 1);
  return {
    queries: tensor(values(heads * rows * headDim), [heads, rows, headDim]),
    keys: tensor(values(kvHeads * seqLen * headDim), [kvHeads, seqLen, headDim]),
    values: tensor(values(kvHeads * seqLen * headDim), [kvHeads, seqLen, headDim]),
  };
}

/** Builds a result by hand: cache head `e` keeps the positions `kept[e]` (ascending) with their rows. */
function handResult(input: LayerInput, kept: number[][], layout: "per-kv-head" | "per-query-head" = "per-kv-head"): MethodLayerResult {
  const [kvHeads, seqLen, headDim] = input.keys.shape as [number, number, number];
  const heads = input.queries.shape[0]!;
  const groupSize = heads / kvHeads;
  const caches: HeadCache[] = kept.map((positions, e) => {
    const source = layout === "per-query-head" ? Math.floor(e / groupSize) : e;
    const rows = (cache: Float32Array) => Float32Array.from(positions.flatMap((j) => [...cache.subarray((source * seqLen + j) * headDim, (source * seqLen + j + 1) * headDim)]));
    return { keys: tensor(rows(input.keys.data), [positions.length, headDim]), values: tensor(rows(input.values.data), [positions.length, headDim]), positions: Int32Array.from(positions) };
  });
  return {
    method: "hand",
    layer: 0,
    compressed: true,
    layout,
    heads: caches,
    queryHeadsPerCacheHead: layout === "per-query-head" ? 1 : groupSize,
    capacity: resolveCapacity(seqLen, { tokens: seqLen }, 1),
    budget: { keepTotal: 0, window: 1 },
    notes: [],
  };
}

describe("Full cache", () => {
  it("has recall 1 and output error 0", () => {
    const input = randomInput(1, 6, 2, 40, 8, 5);
    const evalQueries = tensor(Float32Array.from({ length: 6 * 3 * 8 }, (_, i) => Math.sin(i)), [6, 3, 8]);
    const full = createMethod("full").compressStep(new Session(), new Map([[0, input]]), { layerCount: 1 }).layers.get(0)!;
    const quality = layerQuality(input, full, { evalQueries });
    expect(quality.recall.window.mean).toBeCloseTo(1, 12);
    expect(quality.recall.heldOut!.mean).toBeCloseTo(1, 12);
    expect(quality.outputError.mean).toBe(0);
    expect(outputError(input, full).mean).toBe(0);
    expect(quality.outputError.queries).toBe("held-out");
  });
});

describe("attentionRecall", () => {
  it("is the kept share of uniform attention", () => {
    // Zero keys: row at position p spreads 1/(p+1) over keys 0 … p.
    const seqLen = 10;
    const input: LayerInput = {
      queries: tensor([1, 1], [1, 2, 1]),
      keys: tensor(new Float32Array(seqLen), [1, seqLen, 1]),
      values: tensor(Float32Array.from({ length: seqLen }, (_, j) => j), [1, seqLen, 1]),
    };
    const result = handResult(input, [[0, 3, 8, 9]]);
    const recall = attentionRecall(input, result, { evalQueries: tensor([1], [1, 1, 1]) });
    // The row at 8 attends to 9 keys, 3 of them kept (0, 3, 8); the row at 9 attends to 10 keys, 4 of them kept.
    expect(recall.window.mean).toBeCloseTo((3 / 9 + 4 / 10) / 2, 12);
    expect(recall.window.rows).toBe(2);
    // A held-out query attends to all 10 keys.
    expect(recall.heldOut!.mean).toBeCloseTo(4 / 10, 12);
  });

  it("drops below 1 when a method drops an attended token", () => {
    // Every query attends strongly to position 10, which StreamingLLM's sinks and recent tokens miss.
    const seqLen = 40;
    const keys = new Float32Array(seqLen * 2);
    keys[10 * 2] = 5;
    const input: LayerInput = {
      queries: tensor(new Float32Array(8 * 2).fill(1), [1, 8, 2]),
      keys: tensor(keys, [1, seqLen, 2]),
      values: tensor(Float32Array.from({ length: seqLen * 2 }, (_, i) => (i % 7) - 3), [1, seqLen, 2]),
    };
    const result = createMethod("streamingllm", { budget: { tokens: 16 } }).compressStep(new Session(), new Map([[0, input]]), { layerCount: 1 }).layers.get(0)!;
    expect(result.heads[0]!.positions).not.toContain(10);
    const quality = layerQuality(input, result);
    expect(quality.recall.window.mean).toBeLessThan(0.5);
    expect(quality.outputError.mean).toBeGreaterThan(0.1);
    // SnapKV finds that token and keeps it.
    const snap = createMethod("snapkv", { budget: { tokens: 16 } }).compressStep(new Session(), new Map([[0, input]]), { layerCount: 1 }).layers.get(0)!;
    expect(snap.heads[0]!.positions).toContain(10);
    expect(attentionRecall(input, snap).window.mean).toBeGreaterThan(quality.recall.window.mean);
  });

  it("maps query heads to their KV head's own cache", () => {
    // Two KV heads of two query heads each; KV head 0 keeps 2 of 6 keys, KV head 1 keeps all.
    const input: LayerInput = {
      queries: tensor(new Float32Array(4), [4, 1, 1]),
      keys: tensor(new Float32Array(12), [2, 6, 1]),
      values: tensor(new Float32Array(12), [2, 6, 1]),
    };
    const recall = attentionRecall(input, handResult(input, [[0, 5], [0, 1, 2, 3, 4, 5]]));
    expect([...recall.window.perHead].map((r) => Number(r.toFixed(12)))).toEqual([0.333333333333, 0.333333333333, 1, 1]);
    expect(recall.window.mean).toBeCloseTo(2 / 3, 12);
  });
});

describe("outputError", () => {
  it("compares the outputs of uniform attention", () => {
    // Zero keys: the held-out output is the mean of the visible values.
    const input: LayerInput = {
      queries: tensor([0], [1, 1, 1]),
      keys: tensor(new Float32Array(4), [1, 4, 1]),
      values: tensor([1, 2, 3, 6], [1, 4, 1]),
    };
    const evalQueries = tensor([0], [1, 1, 1]);
    // Full output 3; kept positions 0 and 3 give (1 + 6) / 2 = 3.5: relative error 1/6.
    const error = outputError(input, handResult(input, [[0, 3]]), { evalQueries });
    expect(error.mean).toBeCloseTo(1 / 6, 12);
    expect(error.queries).toBe("held-out");
    expect(error.zeroNormRows).toBe(0);
  });

  it("uses the causal window rows without held-out queries", () => {
    const input: LayerInput = {
      queries: tensor([0, 0], [1, 2, 1]),
      keys: tensor(new Float32Array(4), [1, 4, 1]),
      values: tensor([1, 2, 3, 6], [1, 4, 1]),
    };
    // Row at 2: full (1 + 2 + 3) / 3 = 2, kept {0, 2} → 2, error 0. Row at 3: full 3, kept {0, 2, 3} → 10/3, error 1/9.
    const error = outputError(input, handResult(input, [[0, 2, 3]]));
    expect(error.queries).toBe("window");
    expect(error.perHead[0]).toBeCloseTo(1 / 18, 12);
  });

  it("leaves out rows with a zero full output", () => {
    const input: LayerInput = {
      queries: tensor([0], [1, 1, 1]),
      keys: tensor(new Float32Array(3), [1, 3, 1]),
      values: tensor([1, 0, -1], [1, 3, 1]),
    };
    const error = outputError(input, handResult(input, [[0, 2]]));
    expect(error.zeroNormRows).toBe(1);
    expect(error.mean).toBeNaN();
  });

  it("reads per-query-head caches", () => {
    // Four query heads over two KV heads, each query head with its own kept set.
    const input = randomInput(4, 4, 2, 12, 3, 4);
    const kept = [[0, 8, 9, 10, 11], [1, 2, 8, 9, 10, 11], [3, 8, 9, 10, 11], [0, 4, 5, 8, 9, 10, 11]];
    const perQueryHead = outputError(input, handResult(input, kept, "per-query-head"));
    for (let h = 0; h < 4; h++) {
      // The same set stored per KV head (both KV heads keep it) must give query head h the same error.
      const perKvHead = outputError(input, handResult(input, [kept[h]!, kept[h]!]));
      expect(perQueryHead.perHead[h]).toBe(perKvHead.perHead[h]);
    }
    expect(perQueryHead.perHead[0]).not.toBe(perQueryHead.perHead[1]);
  });
});

describe("metric input checks", () => {
  const input = randomInput(5, 4, 2, 20, 4, 8);
  const result = createMethod("snapkv").compressStep(new Session(), new Map([[0, input]]), { layerCount: 1 }).layers.get(0)!;

  it("rejects a result of another input", () => {
    const other = randomInput(6, 6, 2, 20, 4, 8);
    expect(() => attentionRecall(other, result)).toThrow(/result has 2 cache heads read by 2 query heads each, but the input has 6 query heads/);
  });

  it("rejects held-out queries of the wrong width", () => {
    expect(() => outputError(input, result, { evalQueries: tensor(new Float32Array(12), [4, 1, 3]) })).toThrow(/evalQueries has shape \[4, 1, 3\] but the layer has 4 query heads of headDim 4/);
  });

  it("rejects unsorted positions", () => {
    const broken = { ...result, heads: [{ ...result.heads[0]!, positions: Int32Array.from(result.heads[0]!.positions).reverse() }, result.heads[1]!] };
    expect(() => attentionRecall(input, broken)).toThrow(/cache head 0 has position .* positions must be ascending/);
  });
});
