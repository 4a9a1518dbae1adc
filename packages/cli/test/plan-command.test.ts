import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "./support/run-cli.js";

const scratch = mkdtempSync(join(tmpdir(), "starkv-plan-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("starkv plan", () => {
  it("shows every term for five 1080p screens", async () => {
    const { code, text } = await run(["plan", "--model", "ui-tars-1.5-7b", "--screens", "5x1920x1080", "--budget", "20"]);
    expect(code).toBe(0);
    expect(text).toContain("14,055 tokens");
    for (const term of ["weights", "KV cache at KV-head width", "KV cache at query-head width", "attention working set", "logits", "MLP transient", "vision tower"]) expect(text).toContain(term);
  });

  it("prints JSON terms", async () => {
    const { code, text } = await run(["plan", "--screens", "1x1920x1080", "--json", "--attention", "flash", "--logits", "last"]);
    expect(code).toBe(0);
    const plan = JSON.parse(text) as { tokens: number; kvHeadWidth: { terms: { name: string; bytes: number }[] } };
    expect(plan.tokens).toBe(2691 + 600);
    expect(plan.kvHeadWidth.terms.find((t) => t.name.startsWith("attention"))!.bytes).toBe(0);
  });

  it("reads a model configuration file", async () => {
    const file = join(scratch, "model.json");
    writeFileSync(file, JSON.stringify({ name: "tiny", layers: 2, queryHeads: 4, kvHeads: 2, headDim: 8, hidden: 32, intermediate: 64, vocab: 100 }));
    const { code, text } = await run(["plan", "--config", file, "--screens", "1x280x280"]);
    expect(code).toBe(0);
    expect(text).toContain("tiny");
  });

  it("rejects a bad screens spec", async () => {
    const { code, err } = await run(["plan", "--screens", "5by1920"]);
    expect(code).toBe(2);
    expect(err).toContain("COUNTxWIDTHxHEIGHT");
  });

  it("rejects an unknown model", async () => {
    expect((await run(["plan", "--model", "gpt"])).code).toBe(2);
  });
});
