import { methodNames } from "@starkv/baselines";
import { createCpuBackend, Session, tensor } from "@starkv/core";
import { describe, expect, it } from "vitest";
import { createDemoMethod, prefetchWindowScores, runMethod, usesBackend } from "../src/method-run.js";
import { ScoreCache } from "../src/score-cache.js";
import { tinyInputs, tinyLayers, tinyLayouts, tinyModelLayers } from "./tiny-episode.js";

const layout = tinyLayouts(3)[2]!;

describe("createDemoMethod", () => {
  it.each(methodNames())("runs %s with the page's settings", (name) => {
    // A renamed CPU backend shows which methods compute their scores on the given backend.
    const backend = new ScoreCache({ ...createCpuBackend(), name: "picked" });
    const { view } = runMethod(createDemoMethod(name, 25, backend), new Session(), tinyInputs(layout), tinyModelLayers);
    expect(view.method).toBe(name);
    expect(view.layers.map((layer) => layer.layer)).toEqual([...tinyLayers]);
    for (const layer of view.layers) {
      expect(layer.seqLen).toBe(layout.seqLen);
      expect(layer.backend === "picked").toBe(usesBackend(name));
      for (const positions of layer.headPositions) {
        expect(positions.every((position, i) => position >= 0 && position < layout.seqLen && (i === 0 || position > positions[i - 1]!))).toBe(true);
        // The last 8 positions (the observation window) are always kept.
        expect(Array.from(positions.slice(-8))).toEqual(Array.from({ length: 8 }, (_, i) => layout.seqLen - 8 + i));
      }
    }
  });

  it("keeps the budget with shared-index methods", () => {
    const { view } = runMethod(createDemoMethod("snapkv", 25, createCpuBackend()), new Session(), tinyInputs(layout), tinyModelLayers);
    const capacity = Math.trunc(layout.seqLen * 0.25);
    expect(view.layers.map((layer) => layer.capacity)).toEqual([capacity, capacity]);
    expect(view.layers.map((layer) => layer.keptMean)).toEqual([capacity, capacity]);
  });

  it("keeps everything with full", () => {
    const { view } = runMethod(createDemoMethod("full", 25, createCpuBackend()), new Session(), tinyInputs(layout), tinyModelLayers);
    expect(view.layers[0]!.keptMean).toBe(layout.seqLen);
  });

  it.each([1, 3, 25, 100])("runs every method from prefetched scores at %i %%", async (percent) => {
    // Like WebGPU: window scores arrive only asynchronously.
    const cpu = createCpuBackend();
    const asyncOnly = {
      ...cpu,
      name: "async-only",
      windowScores: () => {
        throw new Error("windowScores() called without a prefetch");
      },
      windowScoresAsync: (...args: Parameters<typeof cpu.windowScores>) => Promise.resolve(cpu.windowScores(...args)),
    };
    const cache = new ScoreCache(asyncOnly);
    const inputs = tinyInputs(layout);
    for (const [layer, input] of inputs) cache.register(input.keys, `layer ${layer}`);
    await prefetchWindowScores(cache, inputs, percent);
    for (const name of methodNames()) {
      expect(() => runMethod(createDemoMethod(name, percent, cache), new Session(), inputs, tinyModelLayers)).not.toThrow();
    }
  });

  it("rejects an unknown method", () => {
    expect(() => createDemoMethod("nope", 25, createCpuBackend())).toThrow(/unknown method "nope"/);
  });
});

describe("createDemoMethod window", () => {
  // A capture written with a window of 4 holds only 4 query rows per head.
  const fourRows = new Map(
    [...tinyInputs(layout)].map(([layer, input]) => {
      const [heads, rows, headDim] = input.queries.shape as [number, number, number];
      const data = new Float32Array(heads * 4 * headDim);
      for (let h = 0; h < heads; h++) data.set(input.queries.data.subarray((h * rows + rows - 4) * headDim, (h * rows + rows) * headDim), h * 4 * headDim);
      return [layer, { ...input, queries: tensor(data, [heads, 4, headDim]) }] as const;
    }),
  );

  it("takes the source's window", () => {
    expect(() => runMethod(createDemoMethod("snapkv", 60, createCpuBackend(), 4), new Session(), fourRows, tinyModelLayers)).not.toThrow();
  });

  it("fails with a window wider than the rows", () => {
    expect(() => runMethod(createDemoMethod("snapkv", 60, createCpuBackend()), new Session(), fourRows, tinyModelLayers)).toThrow(/queries hold 4 window rows/);
  });
});
