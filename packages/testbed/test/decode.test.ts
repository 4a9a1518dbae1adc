import { readFileSync } from "node:fs";
import { createMethod } from "@starkv/baselines";
import { describe, expect, it } from "vitest";
import { decodeAnswer } from "../src/decode.js";
import { answerWith, answerWithMethod, type PreparedEpisode, runPrefill, withoutHistory } from "../src/episode-eval.js";
import { fullCache } from "../src/full-cache.js";
import { loadTestbedModel } from "../src/model-weights.js";
import { decodePngScreen } from "../src/png.js";

const fixtureDir = new URL("./fixtures/forward/", import.meta.url);
const model = loadTestbedModel(new URL("../model/testbed.safetensors", import.meta.url).pathname);
const fixture = JSON.parse(readFileSync(new URL("forward.json", fixtureDir), "utf8")) as { screens: string[] };
const screens = fixture.screens.map((name) => decodePngScreen(readFileSync(new URL(name, fixtureDir)), name));
const episode: PreparedEpisode = { kind: "attribute", screens, instruction: "click on the red circle in the current screen", target: [0, 0, 56, 56], elements: 4 };
const run = runPrefill(model, episode, 8);
const isPatch = (p: number): boolean => run.prompt.patchOf[p]! >= 0;

describe("decoding on a compressed cache", () => {
  it("reads only the kept rows of every method's cache", () => {
    for (const name of ["starkv", "snapkv", "snapkv-per-head", "adakv", "pyramidkv", "streamingllm"] as const) {
      const result = answerWithMethod(model, run, episode, createMethod(name, { budget: { percent: 10 }, window: 8 }));
      expect(result.click === null || result.click.screen < screens.length).toBe(true);
    }
  });

  it("drops every earlier screenshot and nothing else without history", () => {
    const caches = withoutHistory(run);
    const current = run.prompt.spans.at(-1)!;
    for (const cache of caches) {
      for (const head of cache.heads) {
        for (const p of head.positions) expect(p >= current.start || !isPatch(p)).toBe(true);
        const earlierPatches = run.prompt.spans.slice(0, -1).reduce((sum, span) => sum + span.end - span.start, 0);
        expect(head.positions.length).toBe(run.prompt.tokens.length - earlierPatches);
      }
    }
    const pointed = decodeAnswer(model, caches, run.prompt.answerPosition, isPatch);
    expect(pointed.best).toBeGreaterThanOrEqual(current.start);
    expect(answerWith(model, run, episode, caches).click?.screen).toBe(screens.length - 1);
  });

  it("points at nothing when the last layer kept no patch", () => {
    const caches = run.layers.map(fullCache);
    const last = caches.at(-1)!;
    const textOnly = last.heads.map((head) => {
      const keep = Array.from(head.positions).filter((p) => !isPatch(p));
      const hd = model.config.head_dim;
      const pick = (data: Float32Array) => Float32Array.from(keep.flatMap((p) => Array.from(data.subarray(p * hd, (p + 1) * hd))));
      return { keys: { data: pick(head.keys.data) }, values: { data: pick(head.values.data) }, positions: Int32Array.from(keep) };
    });
    const pointed = decodeAnswer(model, [...caches.slice(0, -1), { ...last, heads: textOnly }], run.prompt.answerPosition, isPatch);
    expect(pointed.best).toBe(-1);
    expect(pointed.positions.length).toBe(0);
  });

  it("rejects caches that do not match the model", () => {
    const caches = run.layers.map(fullCache);
    expect(() => decodeAnswer(model, caches.slice(1), run.prompt.answerPosition, isPatch)).toThrow(/got 3 layer caches for a model of 4 layers; pass one cache per layer/);
    const wrong = [{ ...caches[0]!, queryHeadsPerCacheHead: 2 }, ...caches.slice(1)];
    expect(() => decodeAnswer(model, wrong, run.prompt.answerPosition, isPatch)).toThrow(/layer 0 has 2 cache heads read by 2 query heads each; 8 query heads need 4/);
  });
});
