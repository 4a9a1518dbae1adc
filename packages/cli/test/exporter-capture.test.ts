import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { methodNames } from "@starkv/baselines";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "./support/run-cli.js";

const exporterTest = fileURLToPath(new URL("../../../tools/export-capture/test_export.py", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "starkv-exported-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const torch = spawnSync("/usr/bin/python3", ["-c", "import torch, numpy"], { encoding: "utf8" });
const noTorch = torch.status !== 0 ? `/usr/bin/python3 cannot import torch and numpy (${(torch.stderr || torch.error?.message || "").trim().split("\n").at(-1) ?? ""}); run .ci/install-python.sh` : "";

describe.skipIf(noTorch !== "")("captures written by the Python exporter", () => {
  if (noTorch !== "") console.warn(`skipped: ${noTorch}`);

  const exported = join(scratch, "exported");
  const written = spawnSync("/usr/bin/python3", [exporterTest, "--out", exported], { encoding: "utf8" });
  const capture = join(exported, "tiny-rope-f32.json");

  it("are written", () => {
    expect(written.status, written.stderr).toBe(0);
    expect(existsSync(capture)).toBe(true);
  });

  it("run through every method in compare", async () => {
    const { code, text, err } = await run(["compare", capture, "--budgets", "20,40,60", "--json"]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const rows = JSON.parse(text) as { method: string; budget: number; metric: string; value: number }[];
    for (const method of methodNames()) {
      for (const budget of [20, 40, 60]) expect(rows.some((r) => r.method === method && r.budget === budget && r.metric === "recall-held-out")).toBe(true);
    }
    expect(rows.find((r) => r.method === "full" && r.metric === "recall-held-out")!.value).toBe(1);
  });

  it("compress with the capture's window", async () => {
    const { code, text } = await run(["compress", capture, "--json"]);
    expect(code).toBe(0);
    const report = JSON.parse(text) as { layers: { window: number }[] };
    expect(report.layers[0]!.window).toBeLessThanOrEqual(4);
  });

  it("rejected when corrupt, and nothing is written", async () => {
    const broken = join(scratch, "broken");
    copyFileSync(capture, `${broken}.json`);
    const bytes = readFileSync(capture.replace(/\.json$/, ".safetensors"));
    writeFileSync(`${broken}.safetensors`, bytes.subarray(0, bytes.length - 100));
    const out = join(scratch, "never");
    const { code, err } = await run(["compress", `${broken}.json`, "--out", out]);
    expect(code).toBe(2);
    expect(err).toContain("broken.safetensors");
    expect(existsSync(`${out}.safetensors`)).toBe(false);
    expect(existsSync(`${out}.json`)).toBe(false);
  });

  it("rejected when the sidecar disagrees with the tensors", async () => {
    const wrong = join(scratch, "wrong");
    const sidecar = JSON.parse(readFileSync(capture, "utf8")) as { seqLen: number };
    writeFileSync(`${wrong}.json`, JSON.stringify({ ...sidecar, seqLen: sidecar.seqLen + 1 }));
    copyFileSync(capture.replace(/\.json$/, ".safetensors"), `${wrong}.safetensors`);
    const { code, err } = await run(["compress", `${wrong}.json`]);
    expect(code).toBe(2);
    expect(err).toMatch(/wrong\.safetensors.*L0\.k/s);
  });
});
