import { createCompressor, type LayerInput, Session, tensor } from "@starkv/core";
import { createSharpenStage, entropyTemperature, rowEntropy, type SharpenOptions, temperatureOf } from "@starkv/sharpen";
import { describe, expect, it } from "vitest";

const options: SharpenOptions = { minScale: 0.75, maxScale: 1.25, smooth: 0, keepTemperatureOnReset: true };

describe("rowEntropy", () => {
  it("gives a uniform row normalized entropy 1", () => {
    const result = rowEntropy(new Float32Array(2 * 50).fill(0.3), 2, 50);
    expect(result.normalized).toBeCloseTo(1, 6);
    expect(result.maxEntropy).toBeCloseTo(Math.log(50), 12);
  });

  it("gives a one-hot row entropy 0", () => {
    const scores = new Float32Array(2 * 50);
    scores[7] = 1;
    scores[50 + 7] = 3;
    const result = rowEntropy(scores, 2, 50);
    expect(result.entropy).toBe(0);
    expect(result.normalized).toBe(0);
  });

  it("gives one position exactly 0", () => {
    const result = rowEntropy(Float32Array.from([0.4, 0.9]), 2, 1);
    expect(result.entropy).toBe(0);
    expect(result.normalized).toBe(0);
    expect(result.maxEntropy).toBe(0);
  });

  it("averages heads before the entropy", () => {
    // Head means [0.5, 0.5] make an even two-way split: E = ln 2.
    const result = rowEntropy(Float32Array.from([1, 0, 0, 1]), 2, 2);
    expect(result.entropy).toBeCloseTo(Math.LN2, 7);
  });

  it("stays finite for all-zero scores", () => {
    const result = rowEntropy(new Float32Array(10), 1, 10);
    expect(result.entropy).toBe(0);
  });
});

describe("temperatureOf", () => {
  it("maps entropy 0 to the minimum", () => {
    expect(temperatureOf(0, options)).toBe(0.75);
  });

  it("maps entropy 1 to the maximum", () => {
    expect(temperatureOf(1, options)).toBe(1.25);
  });

  it("interpolates linearly", () => {
    expect(temperatureOf(0.5, options)).toBe(1);
  });
});

describe("entropyTemperature", () => {
  const uniform = new Float32Array(40).fill(1);
  const oneHot = new Float32Array(40);
  oneHot[3] = 1;

  it("averages the row temperatures", () => {
    const { temperature } = entropyTemperature([uniform, oneHot], 1, 40, null, options);
    expect(temperature).toBeCloseTo((1.25 + 0.75) / 2, 6);
  });

  it("blends with the previous temperature", () => {
    const { temperature } = entropyTemperature([oneHot], 1, 40, 1.25, { ...options, smooth: 0.4 });
    expect(temperature).toBeCloseTo(0.4 * 1.25 + 0.6 * 0.75, 12);
  });

  it("ignores the previous temperature without smoothing", () => {
    const { temperature } = entropyTemperature([oneHot], 1, 40, 1.25, options);
    expect(temperature).toBe(0.75);
  });
});

describe("sharpen stage", () => {
  const input: LayerInput = {
    queries: tensor(Float32Array.from({ length: 2 * 4 * 2 }, (_, i) => Math.cos(i)), [2, 4, 2]),
    keys: tensor(Float32Array.from({ length: 30 * 2 }, (_, i) => Math.sin(i)), [1, 30, 2]),
    values: tensor(new Float32Array(30 * 2), [1, 30, 2]),
  };

  it("raises scores to one over the stored temperature", () => {
    const session = new Session();
    const budget = { tokens: 10 };
    const plain = createCompressor({ stages: [], budget, window: 4 }).compress(new Session(), 0, input);
    const sharpened = createCompressor({ stages: [createSharpenStage(options)], budget, window: 4 }).compress(session, 0, input);
    const temperature = session.toJSON().layers[0]?.rows[0]?.["sharpen"]?.["temperature"] as number;
    expect(temperature).toBeGreaterThanOrEqual(0.75);
    expect(temperature).toBeLessThanOrEqual(1.25);
    for (const [j, score] of sharpened.scores!.entries()) expect(score).toBeCloseTo(plain.scores![j]! ** (1 / temperature), 12);
  });
});
