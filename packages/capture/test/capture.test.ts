import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bf16ToF32, CaptureError, f16ToF32, f32ToBf16, f32ToF16, type LayerTensors, openCapture, readSafetensorsHeader, writeCapture, writeSafetensors } from "@starkv/capture";
import { type Tensor, tensor } from "@starkv/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sampleCapture, temporaryFolder } from "./sample-capture.js";

let folder: string;
beforeEach(() => {
  folder = temporaryFolder();
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function expectSameTensor(actual: Tensor | undefined, expected: Tensor | undefined, round: (x: number) => number = (x) => x): void {
  expect(actual).toBeDefined();
  expect(actual!.shape).toEqual(expected!.shape);
  expect(Array.from(actual!.data)).toEqual(Array.from(expected!.data, round));
}

function expectSameLayer(actual: LayerTensors, expected: LayerTensors, round?: (x: number) => number): void {
  expectSameTensor(actual.queries, expected.queries, round);
  expectSameTensor(actual.keys, expected.keys, round);
  expectSameTensor(actual.values, expected.values, round);
  expectSameTensor(actual.hidden, expected.hidden, round);
  if (expected.evalQueries === undefined) expect(actual.evalQueries).toBeUndefined();
  else expectSameTensor(actual.evalQueries, expected.evalQueries, round);
}

function captureErrorOf(action: () => unknown): CaptureError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(CaptureError);
    return error as CaptureError;
  }
  throw new Error("expected a CaptureError");
}

describe("capture round trip", () => {
  it.each([
    { dtype: "F32" as const, round: (x: number) => x },
    { dtype: "F16" as const, round: (x: number) => f16ToF32(f32ToF16(x)) },
    { dtype: "BF16" as const, round: (x: number) => bf16ToF32(f32ToBf16(x)) },
  ])("reads back what it wrote in $dtype", ({ dtype, round }) => {
    const { sidecar, layers } = sampleCapture({ evalTokens: 2 });
    const base = join(folder, "run");
    writeCapture(base, sidecar, layers, { dtype });

    const capture = openCapture(`${base}.safetensors`);
    try {
      expect(capture.sidecar).toEqual(sidecar);
      expect(capture.layers).toEqual([0, 2]);
      for (const layer of capture.layers) expectSameLayer(capture.readLayer(layer), layers.get(layer)!, round);
      expect(capture.header.tensors.get("L0.k")!.dtype).toBe(dtype);
      expect(capture.byteLength).toBe(readFileSync(`${base}.safetensors`).length);
    } finally {
      capture.close();
    }
  });

  it("opens a capture by any of its names", () => {
    const { sidecar, layers } = sampleCapture();
    const base = join(folder, "named");
    writeCapture(`${base}.json`, sidecar, layers);
    expect(readdirSync(folder).sort()).toEqual(["named.json", "named.safetensors"]);
    for (const path of [base, `${base}.json`, `${base}.safetensors`]) {
      const capture = openCapture(path);
      expect(capture.path).toBe(`${base}.safetensors`);
      expect(capture.sidecarPath).toBe(`${base}.json`);
      capture.close();
    }
  });

  it("stores full hidden states as L{l}.h", () => {
    const { sidecar, layers } = sampleCapture({ fullHidden: true });
    const base = join(folder, "full");
    writeCapture(base, sidecar, layers);
    const header = readSafetensorsHeader(`${base}.safetensors`);
    expect(header.tensors.get("L0.h")!.shape).toEqual([12, 6]);
    expect(header.tensors.has("L0.h_norm")).toBe(false);
    const capture = openCapture(base);
    expectSameLayer(capture.readLayer(2), layers.get(2)!);
    expectSameTensor(capture.readTensor("L2.h"), layers.get(2)!.hidden);
    capture.close();
  });

  it("prefers the norms when a file holds both hidden forms", () => {
    const { sidecar, layers } = sampleCapture({ layers: [1] });
    const entry = layers.get(1)!;
    const full = tensor(new Float32Array(12 * 6).fill(0.5), [12, 6]);
    const base = join(folder, "both");
    writeSafetensors(`${base}.safetensors`, { "L1.k": entry.keys, "L1.v": entry.values, "L1.q_win": entry.queries, "L1.h": full, "L1.h_norm": entry.hidden! });
    writeFileSync(`${base}.json`, JSON.stringify(sidecar));
    const capture = openCapture(base);
    expectSameTensor(capture.readLayer(1).hidden, entry.hidden);
    capture.close();
  });

  it("writes the sidecar with its known fields and the format in the metadata", () => {
    const { sidecar, layers } = sampleCapture();
    const base = join(folder, "meta");
    writeCapture(base, { ...sidecar, note: "dropped" } as typeof sidecar, layers);
    expect(JSON.parse(readFileSync(`${base}.json`, "utf8"))).toEqual(sidecar);
    const header = readSafetensorsHeader(`${base}.safetensors`);
    expect(header.metadata).toEqual({ format: "starkv-capture/1" });
    expect(header.dataStart % 8).toBe(0);
  });

  it("does not change its inputs", () => {
    const { sidecar, layers } = sampleCapture();
    const before = JSON.stringify(sidecar);
    const keys = Float32Array.from(layers.get(0)!.keys.data);
    writeCapture(join(folder, "same"), sidecar, layers, { dtype: "F16" });
    expect(JSON.stringify(sidecar)).toBe(before);
    expect(layers.get(0)!.keys.data).toEqual(keys);
  });
});

describe("capture reading errors", () => {
  it("rejects unknown layers and reads after close", () => {
    const { sidecar, layers } = sampleCapture();
    const base = join(folder, "c");
    writeCapture(base, sidecar, layers);
    const capture = openCapture(base);
    expect(() => capture.readLayer(1)).toThrow(/layer is 1, but .* contains layers 0, 2/);
    expect(() => capture.readTensor("L9.k")).toThrow(RangeError);
    capture.close();
    capture.close();
    expect(() => capture.readLayer(0)).toThrow(/capture was closed/);
  });

  it("reports a missing sidecar or tensor file", () => {
    const { sidecar, layers } = sampleCapture();
    const base = join(folder, "m");
    writeCapture(base, sidecar, layers);
    rmSync(`${base}.safetensors`);
    expect(captureErrorOf(() => openCapture(base)).message).toMatch(/m\.safetensors: file not found/);
    rmSync(`${base}.json`);
    expect(captureErrorOf(() => openCapture(base)).message).toMatch(/m\.json: sidecar not found/);
  });

  it("reports a sidecar that is not JSON", () => {
    const { sidecar, layers } = sampleCapture();
    const base = join(folder, "j");
    writeCapture(base, sidecar, layers);
    writeFileSync(`${base}.json`, "{ nope");
    expect(captureErrorOf(() => openCapture(base)).message).toMatch(/not valid JSON/);
  });

  it("lists every tensor that disagrees with the sidecar", () => {
    const { sidecar, layers } = sampleCapture();
    const base = join(folder, "d");
    writeCapture(base, sidecar, layers);
    writeFileSync(`${base}.json`, JSON.stringify({ ...sidecar, seqLen: 13, window: 4 }));
    const error = captureErrorOf(() => openCapture(base));
    expect(error.file).toBe(`${base}.safetensors`);
    // Per layer: k, v, q_win and h_norm have the wrong length.
    expect(error.problems).toHaveLength(8);
    expect(error.problems[0]).toBe('tensor "L0.k" has shape [2, 12, 4]; the sidecar needs [kvHeads, seqLen, headDim] = [2, 13, 4]');
  });

  it("reports missing tensors and the missing hidden state", () => {
    const { sidecar, layers } = sampleCapture({ layers: [3] });
    const entry = layers.get(3)!;
    const base = join(folder, "x");
    writeSafetensors(`${base}.safetensors`, { "L3.k": entry.keys, "L3.q_eval": tensor(new Float32Array(8), [2, 1, 4]) });
    writeFileSync(`${base}.json`, JSON.stringify(sidecar));
    expect(captureErrorOf(() => openCapture(base)).problems).toEqual([
      'tensor "L3.v" is missing; expected [kvHeads, seqLen, headDim] = [2, 12, 4]',
      'tensor "L3.q_win" is missing; expected [queryHeads, window, headDim] = [4, 3, 4]',
      'layer 3 has neither "L3.h_norm" [seqLen] = [12] nor "L3.h" [seqLen, hidden] = [12, 6]; one is required',
      'tensor "L3.q_eval" has shape [2, 1, 4]; the sidecar needs [queryHeads, n ≥ 1, headDim] = [4, 1, 4]',
    ]);
  });
});

describe("capture writing errors", () => {
  it("lists every problem and writes nothing", () => {
    const { sidecar, layers } = sampleCapture();
    const broken = new Map(layers);
    broken.set(0, { ...layers.get(0)!, keys: tensor(new Float32Array(2 * 11 * 4), [2, 11, 4]), hidden: undefined });
    broken.set(2, { ...layers.get(2)!, queries: tensor(new Float32Array(48).fill(1e5), [4, 3, 4]) });
    broken.set(5, layers.get(2)!);
    const error = captureErrorOf(() => writeCapture(join(folder, "w"), sidecar, broken, { dtype: "F16" }));
    expect(error.problems).toEqual([
      "layers has layer 5, which sidecar.layers [0, 2] does not list",
      "layers.get(0).hidden is missing; a capture needs the [seqLen] hidden-state norms or the [seqLen, hidden] states",
      'tensor "L2.q_win" contains 100000 at [0, 0, 0], which overflows F16 (it would become infinite); write it as BF16 or F32',
      'tensor "L0.k" has shape [2, 11, 4]; the sidecar needs [kvHeads, seqLen, headDim] = [2, 12, 4]',
      'layer 0 has neither "L0.h_norm" [seqLen] = [12] nor "L0.h" [seqLen, hidden] = [12, 6]; one is required',
    ]);
    expect(readdirSync(folder)).toEqual([]);
  });

  it("reports missing layers and an invalid sidecar", () => {
    const { sidecar, layers } = sampleCapture();
    layers.delete(2);
    expect(captureErrorOf(() => writeCapture(join(folder, "w"), sidecar, layers)).problems).toEqual(["layers has no tensors for layer 2, which sidecar.layers lists"]);
    expect(captureErrorOf(() => writeCapture(join(folder, "w"), { ...sidecar, window: 0 }, layers)).file).toBe(join(folder, "w.json"));
    expect(() => writeCapture(join(folder, "w"), sidecar, layers, { dtype: "F8" as "F16" })).toThrow(/options.dtype is "F8"/);
  });

  it("keeps an existing capture when a write fails", () => {
    const { sidecar, layers } = sampleCapture();
    const base = join(folder, "keep");
    writeCapture(base, sidecar, layers);
    const before = readFileSync(`${base}.safetensors`);
    const bad = new Map(layers);
    bad.set(0, { ...layers.get(0)!, values: tensor(new Float32Array(2 * 12 * 4).fill(NaN), [2, 12, 4]) });
    expect(() => writeCapture(base, sidecar, bad)).toThrow(/"L0.v" contains NaN at \[0, 0, 0\]/);
    expect(readFileSync(`${base}.safetensors`)).toEqual(before);
    expect(readdirSync(folder).sort()).toEqual(["keep.json", "keep.safetensors"]);
  });
});
