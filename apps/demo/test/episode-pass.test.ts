import { createMethod } from "@starkv/baselines";
import { createCpuBackend, Session } from "@starkv/core";
import { createStarKV } from "@starkv/starkv";
import { describe, expect, it } from "vitest";
import { chainSignature, EpisodePass } from "../src/episode-pass.js";
import { tinyInputs, tinyLayers, tinyLayouts, tinyModelLayers } from "./tiny-episode.js";

const layouts = tinyLayouts(8);

function pass(percent: number): EpisodePass {
  return new EpisodePass({
    stepCount: layouts.length,
    layers: tinyLayers,
    percent,
    window: 8,
    backend: createCpuBackend(),
    prepareStep: (step) => Promise.resolve(tinyInputs(layouts[step]!)),
  });
}

describe("chainSignature", () => {
  it("records compression and the clamped window per step", () => {
    expect(chainSignature([100, 1000], 20)).toBe("c8,c8");
    expect(chainSignature([20, 1000], 20)).toBe("c2,c8");
    expect(chainSignature([100], 100)).toBe("c8");
  });
});

describe("EpisodePass", () => {
  it("traces every layer of every step", async () => {
    const episode = pass(30);
    await episode.runThrough(layouts.length - 1);
    expect(episode.stepsDone).toBe(layouts.length);
    expect(episode.traces.map((trace) => [trace.step, trace.layer])).toEqual(layouts.flatMap((_, step) => tinyLayers.map((layer) => [step, layer])));
    for (const trace of episode.traces) {
      expect(trace.weights?.reduce((sum, weight) => sum + weight, 0)).toBeCloseTo(1, 5);
      expect(trace.temperature).toBeGreaterThanOrEqual(0.75);
      expect(trace.temperature).toBeLessThanOrEqual(1.25);
    }
  });

  it("ramps λ after the profiling steps", async () => {
    const episode = pass(30);
    await episode.runThrough(layouts.length - 1);
    const lambdas = episode.traces.filter((trace) => trace.layer === 0).map((trace) => trace.lambda);
    // Defaults: 5 profiling prefills with λ = 0, then λ = 0.5 · (step − 5) / 10.
    const expected = [0, 0, 0, 0, 0, 0.05, 0.1, 0.15];
    expect(lambdas).toHaveLength(expected.length);
    lambdas.forEach((lambda, step) => expect(lambda).toBeCloseTo(expected[step]!, 12));
  });

  it("discounts older screenshots more", async () => {
    const episode = pass(30);
    await episode.runThrough(2);
    const trace = episode.traces.find((item) => item.step === 2 && item.layer === 3)!;
    const discounts = trace.discountPerImage!.map((value) => value!);
    expect(discounts).toHaveLength(3);
    expect(discounts.at(-1)).toBe(1);
    expect(discounts[0]!).toBeLessThanOrEqual(discounts[1]!);
    expect(discounts[1]!).toBeLessThanOrEqual(discounts[2]!);
  });

  it("has no discount with one screenshot", async () => {
    const episode = pass(30);
    await episode.runThrough(0);
    expect(episode.traces[0]!.discountPerImage).toBeNull();
  });

  it("hands out the session a continuous run has", async () => {
    const episode = pass(30);
    await episode.runThrough(5);
    const continuous = new Session();
    const compressor = createStarKV({ budget: { percent: 30 }, backend: createCpuBackend() });
    let expected: Int32Array | undefined;
    for (let step = 0; step <= 6; step++) {
      const inputs = tinyInputs(layouts[step]!);
      expected = compressor.compress(continuous, 3, inputs.get(3)!).positions;
      compressor.compress(continuous, 0, inputs.get(0)!);
    }
    const method = createMethod("starkv", { budget: { percent: 30 } });
    const result = method.compressStep(episode.sessionBefore(6)!, tinyInputs(layouts[6]!), { layerCount: tinyModelLayers });
    expect(Array.from(result.layers.get(3)!.heads[0]!.positions)).toEqual(Array.from(expected!));
    // The state matters: a new session at step 6 keeps other tokens.
    const fresh = method.compressStep(new Session(), tinyInputs(layouts[6]!), { layerCount: tinyModelLayers });
    expect(Array.from(fresh.layers.get(3)!.heads[0]!.positions)).not.toEqual(Array.from(expected!));
  });

  it("leaves the same state for budgets with the same signature", async () => {
    const seqLens = layouts.map((layout) => layout.seqLen);
    expect(chainSignature(seqLens, 25)).toBe(chainSignature(seqLens, 60));
    const low = pass(25);
    const high = pass(60);
    await low.runThrough(layouts.length - 1);
    await high.runThrough(layouts.length - 1);
    for (let step = 1; step < layouts.length; step++) expect(low.sessionBefore(step)!.toJSON()).toEqual(high.sessionBefore(step)!.toJSON());
    expect(low.traces).toEqual(high.traces);
  });

  it("starts step 0 from a new session and stops at unreached steps", async () => {
    const episode = pass(30);
    expect(episode.sessionBefore(0)!.layers()).toEqual([]);
    expect(episode.sessionBefore(1)).toBeUndefined();
    await episode.runThrough(0);
    expect(episode.sessionBefore(1)!.layers()).toEqual([...tinyLayers]);
  });

  it("keeps its state when a step fails", async () => {
    let fail = true;
    const episode = new EpisodePass({
      stepCount: 3,
      layers: tinyLayers,
      percent: 30,
      window: 8,
      backend: createCpuBackend(),
      prepareStep: (step) => Promise.resolve(tinyInputs(layouts[step]!)),
      pause: () => (fail ? Promise.reject(new Error("interrupted")) : Promise.resolve()),
    });
    await expect(episode.runThrough(0)).rejects.toThrow("interrupted");
    expect(episode.stepsDone).toBe(0);
    fail = false;
    await episode.runThrough(0);
    expect(episode.traces.map((trace) => trace.layer)).toEqual([...tinyLayers]);
  });
});
