import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "./support/run-cli.js";

const scratch = mkdtempSync(join(tmpdir(), "starkv-testbed-capture-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("testbed-capture", () => {
  it("writes one capture per step of the real trajectory, which compress reads", async () => {
    const dir = join(mkdtempSync(join(scratch, "case-")), "spotify");
    const written = await run(["testbed-capture", "--out", dir, "--max-patches", "12"]);
    expect(written.err).toBe("");
    expect(written.code).toBe(0);
    expect(readdirSync(dir).filter((name) => name.endsWith(".safetensors"))).toHaveLength(11);
    const compressed = await run(["compress", "--trajectory", dir, "--budget", "50", "--json"]);
    expect(compressed.code).toBe(0);
    const report = JSON.parse(compressed.text) as { tensors: string; episodes: { steps: { layers: unknown[] }[] }[] };
    expect(report.tensors).toBe("captured");
    expect(report.episodes[0]!.steps.every((step) => step.layers.length === 4)).toBe(true);
  }, 120_000);

  it("rejects a missing --out, a folder with files and an unknown episode", async () => {
    expect((await run(["testbed-capture"])).err).toMatch(/pass --out DIR/);
    const dir = mkdtempSync(join(scratch, "case-"));
    writeFileSync(join(dir, "mine.txt"), "keep");
    expect((await run(["testbed-capture", "--out", dir])).err).toMatch(/exists and is not an empty folder/);
    const missing = await run(["testbed-capture", "--out", join(dir, "new"), "--episode", "nope"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nope\.json does not exist/);
  });
});
