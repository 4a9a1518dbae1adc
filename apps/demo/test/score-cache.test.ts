import { type Backend, createCpuBackend, type Pooling, type Tensor, tensor } from "@starkv/core";
import { describe, expect, it } from "vitest";
import { ScoreCache } from "../src/score-cache.js";

function countingBackend(): Backend & { calls: number; asyncCalls: number; windowScoresAsync(...args: Parameters<Backend["windowScores"]>): Promise<Float32Array> } {
  const cpu = createCpuBackend();
  return {
    name: "counting",
    calls: 0,
    asyncCalls: 0,
    windowScores(queries: Tensor, keys: Tensor, window: number, kernel: number, pooling: Pooling) {
      this.calls++;
      return cpu.windowScores(queries, keys, window, kernel, pooling);
    },
    windowScoresAsync(queries: Tensor, keys: Tensor, window: number, kernel: number, pooling: Pooling) {
      this.asyncCalls++;
      return Promise.resolve(cpu.windowScores(queries, keys, window, kernel, pooling));
    },
    gather: (cache, positions) => cpu.gather(cache, positions),
    dispose: () => cpu.dispose(),
  };
}

function inputs(seed: number): { queries: Tensor; keys: Tensor } {
  const values = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.37));
  return { queries: tensor(values(2 * 4 * 8), [2, 4, 8]), keys: tensor(values(1 * 20 * 8), [1, 20, 8]) };
}

describe("ScoreCache", () => {
  it("computes a registered layer once", () => {
    const inner = countingBackend();
    const cache = new ScoreCache(inner);
    const { queries, keys } = inputs(1);
    cache.register(keys, "step 0 layer 0");
    const first = cache.windowScores(queries, keys, 4, 3, "avgpool");
    const second = cache.windowScores(queries, keys, 4, 3, "avgpool");
    expect(inner.calls).toBe(1);
    expect(Array.from(second)).toEqual(Array.from(first));
    expect(cache.takeStats()).toMatchObject({ computed: 1, reused: 1 });
  });

  it("returns copies that callers may change", () => {
    const cache = new ScoreCache(countingBackend());
    const { queries, keys } = inputs(2);
    cache.register(keys, "layer");
    const first = cache.windowScores(queries, keys, 4, 3, "avgpool");
    const expected = Array.from(first);
    first.fill(-1);
    expect(Array.from(cache.windowScores(queries, keys, 4, 3, "avgpool"))).toEqual(expected);
  });

  it("shares scores between tensors with the same label", () => {
    const inner = countingBackend();
    const cache = new ScoreCache(inner);
    const a = inputs(3);
    const b = inputs(3);
    cache.register(a.keys, "same layer");
    cache.register(b.keys, "same layer");
    cache.windowScores(a.queries, a.keys, 4, 3, "avgpool");
    cache.windowScores(b.queries, b.keys, 4, 3, "avgpool");
    expect(inner.calls).toBe(1);
  });

  it("keys by window, kernel and pooling", () => {
    const inner = countingBackend();
    const cache = new ScoreCache(inner);
    const { queries, keys } = inputs(4);
    cache.register(keys, "layer");
    cache.windowScores(queries, keys, 4, 3, "avgpool");
    cache.windowScores(queries, keys, 3, 3, "avgpool");
    cache.windowScores(queries, keys, 4, 3, "maxpool");
    expect(inner.calls).toBe(3);
    expect(cache.has(keys, 4, 3, "avgpool")).toBe(true);
    expect(cache.has(keys, 4, 5, "avgpool")).toBe(false);
  });

  it("computes unregistered tensors every time", () => {
    const inner = countingBackend();
    const cache = new ScoreCache(inner);
    const { queries, keys } = inputs(5);
    cache.windowScores(queries, keys, 4, 3, "avgpool");
    cache.windowScores(queries, keys, 4, 3, "avgpool");
    expect(inner.calls).toBe(2);
  });

  it("prefetches through windowScoresAsync", async () => {
    const inner = countingBackend();
    const cache = new ScoreCache(inner);
    const { queries, keys } = inputs(6);
    cache.register(keys, "layer");
    await cache.prefetch(queries, keys, 4, 3, "avgpool");
    cache.windowScores(queries, keys, 4, 3, "avgpool");
    expect(inner.asyncCalls).toBe(1);
    expect(inner.calls).toBe(0);
    expect(cache.computeTime(keys, 4, 3, "avgpool")).toBeGreaterThanOrEqual(0);
    expect(cache.computeTime(keys, 8, 3, "avgpool")).toBeUndefined();
  });

  it("reports the wrapped backend's name", () => {
    expect(new ScoreCache(countingBackend()).name).toBe("counting");
  });
});
