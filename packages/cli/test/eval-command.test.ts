import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromiumPath } from "@starkv/testbed/node";
import { describe, expect, it } from "vitest";
import type { AccuracyRow } from "../src/eval-command.js";
import { run } from "./support/run-cli.js";

describe("eval: bad input", () => {
  it("asks for --testbed", async () => {
    const result = await run(["eval"]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/pass --testbed/);
  });

  it("rejects bad options before rendering", async () => {
    expect((await run(["eval", "--testbed", "--methods", "starkv,nope"])).err).toMatch(/unknown method "nope"/);
    expect((await run(["eval", "--testbed", "--budgets", "5,,10"])).err).toMatch(/--budgets "5,,10" has an empty item/);
    expect((await run(["eval", "--testbed", "--limit", "0"])).code).toBe(2);
    const missing = await run(["eval", "--testbed", "--model", "/nonexistent/weights.safetensors"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/model file \/nonexistent\/weights.safetensors does not exist/);
  });

  it("rejects weights that are not the testbed model with exit code 2", async () => {
    const capture = fileURLToPath(new URL("../../../fixtures/testbed-captures/s_7f27a11115e596eb/step-00.safetensors", import.meta.url));
    const result = await run(["eval", "--testbed", "--model", capture, "--limit", "1"]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/step-00.safetensors has no "config" metadata; write the weights with tools\/testbed\/train.py/);
  });
});

// NOTE: CI installs Chromium; elsewhere the end-to-end case reports itself skipped.
describe.skipIf(!existsSync(chromiumPath()))("eval --testbed", () => {
  if (!existsSync(chromiumPath())) console.warn(`skipped: no Chromium at ${chromiumPath()}; run .ci/install-chromium.sh or set STARKV_CHROMIUM`);
  it("prints JSON rows per method, budget, kind", async () => {
    const result = await run(["eval", "--testbed", "--limit", "6", "--methods", "starkv,streamingllm,full", "--budgets", "10,40", "--json"]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.text) as AccuracyRow[];
    for (const method of ["starkv", "streamingllm", "full"]) {
      for (const budget of [10, 40]) {
        for (const kind of ["attribute", "text", "history", "overall"]) {
          const row = rows.find((r) => r.method === method && r.budget === budget && r.kind === kind);
          expect(row, `${method} ${budget} ${kind}`).toBeDefined();
          expect(row!.episodes).toBe(kind === "overall" ? 6 : 2);
          expect(row!.accuracy).toBeGreaterThanOrEqual(0);
          expect(row!.accuracy).toBeLessThanOrEqual(1);
        }
      }
    }
    const full = rows.filter((r) => r.method === "full" && r.kind === "attribute");
    expect(full[0]!.accuracy).toBe(full[1]!.accuracy);
    const chance = rows.find((r) => r.method === "chance" && r.kind === "overall")!;
    expect(chance.budget).toBeNull();
    expect(chance.accuracy).toBeGreaterThan(0);
    expect(chance.accuracy).toBeLessThan(0.05);
    const element = rows.find((r) => r.method === "random element" && r.kind === "overall")!;
    expect(element.accuracy).toBeGreaterThan(chance.accuracy);
    expect(element.accuracy).toBeLessThanOrEqual(1);
    expect(rows.find((r) => r.method === "history dropped" && r.kind === "history")!.episodes).toBe(2);
  }, 120_000);

  it("names the Chromium path when Chromium does not start", async () => {
    const saved = process.env.STARKV_CHROMIUM;
    process.env.STARKV_CHROMIUM = "/nonexistent/chromium";
    try {
      const result = await run(["eval", "--testbed", "--limit", "1", "--methods", "full"]);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/Chromium at \/nonexistent\/chromium did not start/);
    } finally {
      if (saved === undefined) delete process.env.STARKV_CHROMIUM;
      else process.env.STARKV_CHROMIUM = saved;
    }
  });
});
