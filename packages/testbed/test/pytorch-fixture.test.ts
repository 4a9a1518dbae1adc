import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../../../tools/testbed/export_fixture.py", import.meta.url));
const weights = fileURLToPath(new URL("../model/testbed.safetensors", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/forward", import.meta.url));
const torch = spawnSync("/usr/bin/python3", ["-c", "import torch, numpy, PIL"], { encoding: "utf8" });
const noTorch = torch.status !== 0 ? `/usr/bin/python3 cannot import torch, numpy and PIL; run .ci/install-python.sh` : "";

// The TypeScript test compares with forward.json; this one makes sure forward.json is what PyTorch computes with the committed weights.
describe.skipIf(noTorch !== "")("the forward fixture", () => {
  if (noTorch !== "") console.warn(`skipped: ${noTorch}`);
  it("is PyTorch's output for the committed weights", () => {
    const result = spawnSync("/usr/bin/python3", [script, "--weights", weights, "--check", fixture], { encoding: "utf8", timeout: 120_000 });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(JSON.parse(result.stdout) as { matches: boolean }).toMatchObject({ matches: true });
  }, 130_000);
});
