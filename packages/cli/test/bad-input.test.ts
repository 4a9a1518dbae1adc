import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openCapture } from "@starkv/capture";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "./support/run-cli.js";

const scratch = mkdtempSync(join(tmpdir(), "starkv-bad-input-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const golden = fileURLToPath(new URL("../../../fixtures/golden", import.meta.url));
const layer14 = fileURLToPath(new URL("../../../fixtures/vlm-attention-smolvlm/attentions/attention_fp16_rounded_layer_14.npz", import.meta.url));
const exporterTest = fileURLToPath(new URL("../../../tools/export-capture/test_export.py", import.meta.url));
const hasTorch = spawnSync("/usr/bin/python3", ["-c", "import torch, numpy"]).status === 0;

describe("bad command lines", () => {
  it.each([
    [["compress", "--budget", "0x10"], "decimal number"],
    [["compress", "--budget", "0"], "(0, 100]"],
    [["compress", "--budget", "-5"], "negative"],
    [["compare", "--budgets", "10,,20"], "empty item"],
    [["conformance", join(golden, "aeb.json")], "is a file"],
    [["score", "--attention", layer14, "--window", "2000"], "not more than the window"],
    [["score", "--attention", layer14, "--tokens", "/nonexistent.npy"], "does not exist"],
    [["score", "--attention", golden], "is a folder"],
    [["compress", golden], "is a folder"],
  ])("%j exits 2", async (args, message) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });

  it("rejects a plot path that is a file", async () => {
    const file = join(scratch, "afile");
    writeFileSync(file, "x");
    const { code, err } = await run(["compare", "--methods", "full", "--budgets", "20", "--steps", "1", "--plot", file]);
    expect(code).toBe(2);
    expect(err).toContain("is a file");
  });

  it("prints the usage to stderr without a command", async () => {
    const { code, text, err } = await run([]);
    expect(code).toBe(2);
    expect(text).toBe("");
    expect(err).toContain("Usage: starkv");
  });
});

describe.skipIf(!hasTorch)("--out on a two-layer capture", () => {
  const exported = join(scratch, "exported");
  mkdirSync(exported, { recursive: true });
  spawnSync("/usr/bin/python3", [exporterTest, "--out", exported]);
  const capture = join(exported, "tiny-rope-f32");

  it("writes STaR-KV's per-layer positions", async () => {
    const out = join(scratch, "small");
    const { code, err } = await run(["compress", capture, "--budget", "50", "--out", out]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const written = openCapture(out);
    const kept = written.sidecar.seqLen;
    expect(kept).toBe(15);
    for (const layer of written.layers) {
      const positions = written.readTensor(`L${layer}.positions`);
      expect(positions.shape).toEqual([2, kept]);
      expect(written.readLayer(layer).keys.shape).toEqual([2, kept, 8]);
    }
    written.close();
  });

  it("never replaces its input", async () => {
    const { code, err } = await run(["compress", capture, "--out", capture]);
    expect(code).toBe(2);
    expect(err).toContain("would replace the input");
    expect(existsSync(`${capture}.safetensors`)).toBe(true);
  });

  it("rejects a head-adaptive method", async () => {
    const out = join(scratch, "adaptive");
    const { code, err } = await run(["compress", capture, "--method", "adakv", "--budget", "50", "--out", out]);
    expect(code).toBe(2);
    expect(err).toContain("same kept count");
    expect(existsSync(`${out}.safetensors`)).toBe(false);
  });
});
