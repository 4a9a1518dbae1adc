import { countParameters, modelPresets, parseModelConfig, planMemory } from "@starkv/memory";
import { describe, expect, it } from "vitest";

const uiTars = modelPresets["ui-tars-1.5-7b"]!;
const screenshot1080p = { patches: 78 * 138, tokens: 39 * 69 };

describe("countParameters", () => {
  it("gives about 8.29 B for the 7B model", () => {
    expect(countParameters(uiTars).total / 1e9).toBeCloseTo(8.29, 2);
  });

  it("leaves out the head when tied", () => {
    expect(countParameters(modelPresets["qwen2.5-vl-3b"]!).outputHead).toBe(0);
  });
});

describe("planMemory", () => {
  const plan = planMemory({ model: uiTars, images: Array(5).fill(screenshot1080p), textTokens: 600, keptTokens: 2811, attention: "eager", logits: "all" });
  const term = (prefix: string) => plan.terms.find((t) => t.name.startsWith(prefix))!;

  it("counts the prompt tokens", () => {
    expect(plan.tokens).toBe(5 * 2691 + 600);
  });

  it("stores 57,344 KV bytes per token", () => {
    expect(term("KV cache at KV-head").bytes / plan.tokens).toBe(57344);
  });

  it("stores 7× more at query-head width", () => {
    expect(term("KV cache at query-head").bytes).toBe(7 * term("KV cache at KV-head").bytes);
  });

  it("materialises about 44 GB of eager scores", () => {
    expect(term("attention working set").bytes / 1e9).toBeCloseTo(44.2, 1);
  });

  it("needs about 12.8 GB for all logits", () => {
    expect(term("logits").bytes / 1e9).toBeCloseTo(12.8, 1);
  });

  it("shrinks the decode cache with the budget", () => {
    expect(plan.decodeCompressed.bytes).toBeLessThan(plan.decode.bytes);
    expect(plan.decode.bytes - plan.decodeCompressed.bytes).toBe(57344 * (plan.tokens - 2811));
  });

  it("drops the N² buffer with flash attention", () => {
    const flash = planMemory({ model: uiTars, images: [screenshot1080p], textTokens: 200, keptTokens: 500 });
    expect(flash.terms.find((t) => t.name.startsWith("attention"))!.bytes).toBe(0);
  });
});

describe("parseModelConfig", () => {
  it("lists every problem", () => {
    expect(() => parseModelConfig({ name: "x", layers: 0, queryHeads: 7, kvHeads: 2 }, "model.json")).toThrow(/layers is 0[\s\S]*headDim is missing[\s\S]*not a multiple/);
  });

  it("accepts a preset's fields", () => {
    expect(parseModelConfig({ ...uiTars }, "model.json").layers).toBe(28);
  });
});
