import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { run } from "./support/run-cli.js";

const layer14 = fileURLToPath(new URL("../../../fixtures/vlm-attention-smolvlm/attentions/attention_fp16_rounded_layer_14.npz", import.meta.url));

describe("starkv score", () => {
  it("keeps the budget on real attention", async () => {
    const { code, text } = await run(["score", "--attention", layer14, "--json"]);
    expect(code).toBe(0);
    const report = JSON.parse(text) as { tokens: number; spans: number[][]; kept: Record<string, number[]> };
    expect(report.tokens).toBe(1125);
    expect(report.spans).toHaveLength(13);
    for (const kept of Object.values(report.kept)) expect(kept).toHaveLength(Math.trunc(1125 * 0.2));
  });

  it("prints one row per tile", async () => {
    const { code, text } = await run(["score", "--attention", layer14]);
    expect(code).toBe(0);
    expect(text.match(/^tile \d+/gm)).toHaveLength(13);
  });

  it("rejects a missing file", async () => {
    const { code, err } = await run(["score", "--attention", "/nonexistent.npz"]);
    expect(code).toBe(2);
    expect(err).toContain("does not exist");
  });
});
