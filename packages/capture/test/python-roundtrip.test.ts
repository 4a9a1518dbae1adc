import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bf16ToF32, type CaptureSidecar, f16ToF32, f32ToBf16, f32ToF16, openCapture } from "@starkv/capture";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { temporaryFolder } from "./sample-capture.js";

const python = "/usr/bin/python3";
const repositoryRoot = fileURLToPath(new URL("../../../", import.meta.url));
const script = join(repositoryRoot, "tools/export-capture/test_export.py");

/** Why the Python test cannot run here, or undefined when PyTorch imports. */
function pythonUnavailable(): string | undefined {
  const probe = spawnSync(python, ["-c", "import torch, numpy"], { encoding: "utf8" });
  if (probe.error !== undefined) return `${python} cannot run (${probe.error.message}); run .ci/install-python.sh`;
  if (probe.status !== 0) return `${python} -c "import torch, numpy" failed: ${probe.stderr.trim().split("\n").at(-1)}; run .ci/install-python.sh`;
  return undefined;
}

interface Expected {
  captures: { base: string; dtype: "F32" | "F16" | "BF16"; rope: string }[];
  tensors: Record<string, Record<string, { shape: number[]; data: number[] }>>;
  sidecars: Record<string, CaptureSidecar>;
}

const skipReason = pythonUnavailable();
if (skipReason !== undefined) console.warn(`python-roundtrip: skipped because ${skipReason}`);

describe("captures written by the Python exporter", () => {
  let folder: string;
  let expected: Expected;

  beforeAll(() => {
    if (skipReason !== undefined) return;
    folder = temporaryFolder("starkv-python-");
    const run = spawnSync(python, [script, "--out", folder], { encoding: "utf8", env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", OMP_NUM_THREADS: "1" }, timeout: 300_000 });
    if (run.status !== 0) throw new Error(`${script} failed with status ${run.status}:\n${run.stdout}\n${run.stderr}`);
    expected = JSON.parse(readFileSync(join(folder, "expected.json"), "utf8")) as Expected;
  }, 300_000);

  afterAll(() => {
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });

  it.skipIf(skipReason !== undefined)("covers every dtype and both rotary kinds", () => {
    expect(expected.captures.map((capture) => `${capture.rope}-${capture.dtype}`).sort()).toEqual(["mrope-BF16", "mrope-F16", "mrope-F32", "rope-BF16", "rope-F16", "rope-F32"]);
  });

  it.skipIf(skipReason !== undefined)("reads back exactly the values Python wrote", () => {
    const rounding = { F32: (x: number) => x, F16: (x: number) => f16ToF32(f32ToF16(x)), BF16: (x: number) => bf16ToF32(f32ToBf16(x)) };
    for (const { base, dtype, rope } of expected.captures) {
      const capture = openCapture(join(folder, base));
      try {
        expect(capture.sidecar).toEqual(expected.sidecars[rope]);
        const tensors = expected.tensors[rope]!;
        expect([...capture.header.tensors.keys()].sort()).toEqual(Object.keys(tensors).sort());
        for (const [name, { shape, data }] of Object.entries(tensors)) {
          const actual = capture.readTensor(name);
          expect(actual.shape, `${base} ${name}`).toEqual(shape);
          expect(capture.header.tensors.get(name)!.dtype).toBe(dtype);
          // numpy and PyTorch round to nearest with ties to even, as this package does, so even half types match exactly.
          const wanted = data.map(rounding[dtype]);
          const misses = wanted.filter((value, i) => !Object.is(value, actual.data[i])).length;
          expect(misses, `${base} ${name}: ${misses} of ${wanted.length} values differ`).toBe(0);
          if (dtype === "F16") {
            const worst = Math.max(...data.map((value, i) => Math.abs(actual.data[i]! - value) / Math.max(Math.abs(value), 2 ** -14)));
            expect(worst).toBeLessThanOrEqual(2 ** -11);
          }
        }
      } finally {
        capture.close();
      }
    }
  });

  it.skipIf(skipReason !== undefined)("gives readLayer the tensors of each layer", () => {
    const capture = openCapture(join(folder, "tiny-mrope-f32.safetensors"));
    try {
      const tensors = expected.tensors.mrope!;
      for (const layer of capture.layers) {
        const read = capture.readLayer(layer);
        expect(Array.from(read.keys.data)).toEqual(tensors[`L${layer}.k`]!.data);
        expect(Array.from(read.queries.data)).toEqual(tensors[`L${layer}.q_win`]!.data);
        expect(Array.from(read.hidden!.data)).toEqual(tensors[`L${layer}.h_norm`]!.data);
        expect(read.evalQueries!.shape).toEqual([4, 3, 8]);
      }
      expect(capture.sidecar.images.map((image) => image.span)).toEqual([
        [6, 12],
        [16, 22],
      ]);
    } finally {
      capture.close();
    }
  });
});
