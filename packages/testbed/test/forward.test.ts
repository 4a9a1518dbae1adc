import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeAnswer } from "../src/decode.js";
import { fullCache } from "../src/full-cache.js";
import { loadTestbedModel } from "../src/model-weights.js";
import { decodePngScreen } from "../src/png.js";
import { prefill } from "../src/prefill.js";
import { buildPrompt } from "../src/prompt.js";

const fixtureDir = new URL("./fixtures/forward/", import.meta.url);
const weightsPath = new URL("../model/testbed.safetensors", import.meta.url).pathname;

interface ForwardFixture {
  screens: string[];
  instruction: number[];
  patchPositions: number[];
  scores: number[];
  best: number;
  lastLayerKeys: Record<string, number[][]>;
  firstLayerHidden: Record<string, number[]>;
}

describe("testbed forward pass against PyTorch", () => {
  const fixture = JSON.parse(readFileSync(new URL("forward.json", fixtureDir), "utf8")) as ForwardFixture;
  const model = loadTestbedModel(weightsPath);
  const screens = fixture.screens.map((name) => decodePngScreen(readFileSync(new URL(name, fixtureDir)), name));
  const prompt = buildPrompt(screens, fixture.instruction, model.config.patch);
  const layers = prefill(model, prompt, 8);

  it("lays out the same patch positions", () => {
    const patches = [...prompt.patchOf.keys()].filter((t) => prompt.patchOf[t]! >= 0);
    expect(patches).toEqual(fixture.patchPositions);
  });

  it("matches the first layer's normed hidden state and the last layer's keys within 1e-4", () => {
    const { d_model: d, head_dim: hd } = model.config;
    const length = prompt.tokens.length;
    for (const [position, expected] of Object.entries(fixture.firstLayerHidden)) {
      const row = layers[0]!.hidden!.data.subarray(Number(position) * d, (Number(position) + 1) * d);
      expected.forEach((value, i) => expect(Math.abs(row[i]! - value)).toBeLessThan(1e-4));
    }
    const keys = layers[layers.length - 1]!.keys.data;
    for (const [position, perHead] of Object.entries(fixture.lastLayerKeys)) {
      perHead.forEach((expected, g) => expected.forEach((value, i) => expect(Math.abs(keys[(g * length + Number(position)) * hd + i]! - value)).toBeLessThan(1e-4)));
    }
  });

  it("matches the pointer scores with the full cache within 1e-4", () => {
    const result = decodeAnswer(model, layers.map(fullCache), prompt.answerPosition, (p) => prompt.patchOf[p]! >= 0);
    expect(Array.from(result.positions)).toEqual(fixture.patchPositions);
    let worst = 0;
    result.scores.forEach((score, i) => (worst = Math.max(worst, Math.abs(score - fixture.scores[i]!))));
    expect(worst).toBeLessThan(1e-4);
    expect(result.best).toBe(fixture.best);
  });
});
