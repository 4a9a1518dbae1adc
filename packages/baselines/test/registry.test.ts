import { createMethod, fromSharedResult, isMethodName, methodNames } from "@starkv/baselines";
import { OptionsError, Session } from "@starkv/core";
import { createStarKV } from "@starkv/starkv";
import { describe, expect, it } from "vitest";
import { randomInput } from "./inputs.js";

describe("method registry", () => {
  it("lists every method", () => {
    expect(methodNames()).toEqual(["starkv", "snapkv", "snapkv-per-head", "guikv", "guikv-subspace", "pyramidkv", "adakv", "streamingllm", "h2o", "vlcache", "random", "full"]);
    expect(isMethodName("snapkv")).toBe(true);
    expect(isMethodName("toString")).toBe(false);
  });

  it("names the known methods for an unknown one", () => {
    expect(() => createMethod("snap")).toThrow(/unknown method "snap"; expected one of starkv, snapkv/);
  });

  it("reports every invalid option at once", () => {
    try {
      createMethod("snapkv", { window: 0, pooling: "sum" as "avgpool", colour: 1 } as object);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(OptionsError);
      expect((error as OptionsError).problems).toHaveLength(3);
      expect((error as OptionsError).message).toMatch(/unknown option colour/);
    }
  });

  it("reports a bad budget field", () => {
    expect(() => createMethod("h2o", { budget: { percent: 150 } })).toThrow(/budget.percent is 150; expected a number in \(0, 100\]/);
  });

  it("rejects options a preset fixes", () => {
    expect(() => createMethod("snapkv-per-head", { width: "kv-head" } as object)).toThrow(/width are fixed by this preset/);
  });

  it("runs every method over the layers of a step", () => {
    const spans = [{ start: 2, end: 20 }, { start: 22, end: 44 }];
    const layers = new Map([0, 1, 3].map((layer) => [layer, randomInput(layer + 10, { kvHeads: 2, groupSize: 2, seqLen: 52, headDim: 4, rows: 8, spans, hidden: true })]));
    for (const name of methodNames()) {
      const method = createMethod(name, name === "full" ? {} : { budget: { percent: 40 } });
      const step = method.compressStep(new Session(), layers, { layerCount: 4 });
      expect(step.method).toBe(name);
      expect([...step.layers.keys()]).toEqual([0, 1, 3]);
      for (const result of step.layers.values()) expect(result.method).toBe(name);
    }
  });

  it("rejects a layer index at or above the layer count", () => {
    const layers = new Map([[4, randomInput(1, { kvHeads: 1, groupSize: 1, seqLen: 30, headDim: 2, rows: 8 })]]);
    expect(() => createMethod("pyramidkv").compressStep(new Session(), layers, { layerCount: 4 })).toThrow(/layer index 4 is outside \[0, 4\)/);
  });

  it("rejects layers of different lengths in a step method", () => {
    const layers = new Map([
      [0, randomInput(1, { kvHeads: 1, groupSize: 1, seqLen: 30, headDim: 2, rows: 8 })],
      [1, randomInput(2, { kvHeads: 1, groupSize: 1, seqLen: 31, headDim: 2, rows: 8 })],
    ]);
    expect(() => createMethod("vlcache").compressStep(new Session(), layers, { layerCount: 2 })).toThrow(/layer 1 has 31 tokens but layer 0 has 30/);
  });
});

describe("STaR-KV method", () => {
  it("views the shared result per KV head", () => {
    const input = randomInput(3, { kvHeads: 2, groupSize: 3, seqLen: 60, headDim: 4, rows: 8, hidden: true, spans: [{ start: 4, end: 40 }] });
    const direct = createStarKV({ budget: { percent: 30 } }).compress(new Session(), 0, input);
    const result = createMethod("starkv", { budget: { percent: 30 } }).compressStep(new Session(), new Map([[0, input]]), { layerCount: 1 }).layers.get(0)!;
    expect(result.layout).toBe("shared");
    expect(result.queryHeadsPerCacheHead).toBe(3);
    const kept = direct.positions.length;
    for (let g = 0; g < 2; g++) {
      expect([...result.heads[g]!.positions]).toEqual([...direct.positions]);
      expect([...result.heads[g]!.keys.data]).toEqual([...direct.keys.data.subarray(g * kept * 4, (g + 1) * kept * 4)]);
    }
    expect(fromSharedResult(direct, 0, "starkv", 3).budget).toEqual({ keepPerHead: direct.capacity.keep, keepTotal: 2 * direct.capacity.keep, window: direct.capacity.window });
  });
});
