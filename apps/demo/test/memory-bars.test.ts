import { modelPresets } from "@starkv/memory";
import { describe, expect, it } from "vitest";
import { memoryBars, presetFor } from "../src/memory-bars.js";

const model = modelPresets["ui-tars-1.5-7b"]!;

describe("presetFor", () => {
  it("finds a preset by name or by shape", () => {
    expect(presetFor({ name: "UI-TARS-1.5-7B", layers: 28, queryHeads: 28, kvHeads: 4, headDim: 128 })).toBe(model);
    expect(presetFor({ name: "my fine-tune", layers: 36, queryHeads: 16, kvHeads: 2, headDim: 128 })?.name).toBe("Qwen2.5-VL-3B");
    expect(presetFor({ name: "other", layers: 12, queryHeads: 12, kvHeads: 12, headDim: 64 })).toBeUndefined();
  });
});

describe("memoryBars", () => {
  const imageTokens = [1161, 1161, 1161, 1161, 1161];
  const seqLen = 6321;

  it("shrinks the decode cache in proportion to the kept tokens", () => {
    const [full, compressed] = memoryBars(model, seqLen, imageTokens, [{ label: "starkv", keptTokens: 1264 }]);
    expect(full!.label).toBe("no compression");
    expect(full!.keptTokens).toBe(seqLen);
    // 2 (K and V) × 28 layers × tokens × 4 KV heads × 128 × 2 bytes.
    expect(full!.cache).toBe(2 * 28 * seqLen * 4 * 128 * 2);
    expect(compressed!.cache / full!.cache).toBeCloseTo(1264 / seqLen, 12);
    expect(compressed!.weights).toBe(full!.weights);
    expect(compressed!.decode).toBe(compressed!.weights + compressed!.cache);
    expect(compressed!.prefillPeak).toBeLessThan(full!.prefillPeak);
  });

  it("rejects screenshots longer than the prompt", () => {
    expect(() => memoryBars(model, 1000, [800, 800], [])).toThrow(/hold 1600 tokens, more than the prompt's 1000/);
  });
});
