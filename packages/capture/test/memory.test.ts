import { closeSync, openSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { type CaptureSidecar, encodeSafetensorsHeader, f16ToF32, f32ToF16, type FloatDtype, type HeaderTensor, type LayerTensors, openCapture } from "@starkv/capture";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { temporaryFolder } from "./sample-capture.js";

/**
 * Collects garbage until the ArrayBuffer total settles, so that buffers of earlier tests
 * are not freed in the middle of a measurement. V8's collector is exposed at run time,
 * so no test flag is needed; ArrayBuffer memory is released after the collection, which
 * is why it waits a turn of the event loop between rounds.
 */
async function settleMemory(): Promise<NodeJS.MemoryUsage> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  let previous = -1;
  for (let round = 0; round < 10; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const current = process.memoryUsage().arrayBuffers;
    if (current === previous) break;
    previous = current;
  }
  return process.memoryUsage();
}

/** Returns the value stored at flat element `i` of the data section, cheap to recompute for spot checks. */
function pattern(i: number): number {
  return ((i * 7919) % 2003) / 128 - 7.8;
}

/**
 * Writes a capture of `layerCount` layers straight to disk in 4 MiB chunks, so that the
 * tensors are never in memory at once, and returns its sidecar and size in bytes.
 */
function writeLargeCapture(base: string, layerCount: number, seqLen: number, dtype: FloatDtype): { sidecar: CaptureSidecar; bytes: number } {
  const model = { name: "memory-test", layers: layerCount, queryHeads: 28, kvHeads: 4, headDim: 128, hidden: 3584 };
  const window = 8;
  const layers = Array.from({ length: layerCount }, (_, layer) => layer);
  const layout: HeaderTensor[] = layers.flatMap((layer) => [
    { name: `L${layer}.k`, dtype, shape: [model.kvHeads, seqLen, model.headDim] },
    { name: `L${layer}.v`, dtype, shape: [model.kvHeads, seqLen, model.headDim] },
    { name: `L${layer}.q_win`, dtype, shape: [model.queryHeads, window, model.headDim] },
    { name: `L${layer}.h_norm`, dtype, shape: [seqLen] },
  ]);
  const elements = layout.reduce((sum, entry) => sum + entry.shape.reduce((a, b) => a * b, 1), 0);
  const sidecar: CaptureSidecar = { format: "starkv-capture/1", model, layers, window, seqLen, images: [] };

  const fd = openSync(`${base}.safetensors`, "w");
  try {
    writeSync(fd, encodeSafetensorsHeader(layout));
    const chunk = 1 << 20;
    const f32 = new Float32Array(chunk);
    const f16 = new Uint16Array(chunk);
    for (let start = 0; start < elements; start += chunk) {
      const count = Math.min(chunk, elements - start);
      for (let i = 0; i < count; i++) {
        if (dtype === "F32") f32[i] = pattern(start + i);
        else f16[i] = f32ToF16(pattern(start + i));
      }
      const source = dtype === "F32" ? f32 : f16;
      writeSync(fd, new Uint8Array(source.buffer, 0, count * source.BYTES_PER_ELEMENT));
    }
  } finally {
    closeSync(fd);
  }
  writeFileSync(`${base}.json`, JSON.stringify(sidecar));
  return { sidecar, bytes: statSync(`${base}.safetensors`).size };
}

describe("capture reading memory", () => {
  let folder: string;
  beforeAll(() => {
    folder = temporaryFolder("starkv-capture-memory-");
  });
  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it("reads a 200 MB F32 capture in under 1.5 times its size", { timeout: 120_000 }, async () => {
    const base = join(folder, "large-f32");
    const { sidecar, bytes } = writeLargeCapture(base, 4, 12_500, "F32");
    expect(bytes).toBeGreaterThan(200_000_000);

    const before = await settleMemory();
    const capture = openCapture(base);
    const layers: LayerTensors[] = sidecar.layers.map((layer) => capture.readLayer(layer));
    const after = process.memoryUsage();
    capture.close();

    const bufferGrowth = after.arrayBuffers - before.arrayBuffers;
    const rssGrowth = after.rss - before.rss;
    // The tensors alone take the file minus its header, so growth far below that would mean the measurement missed them.
    expect(bufferGrowth).toBeGreaterThan(0.97 * bytes);
    expect(bufferGrowth).toBeLessThan(1.5 * bytes);
    expect(rssGrowth).toBeLessThan(1.5 * bytes);

    // Spot-check values: L1.v starts after L0 (k, v, q_win, h_norm) and L1.k.
    const layerElements = 2 * 4 * 12_500 * 128 + 28 * 8 * 128 + 12_500;
    const valuesStart = layerElements + 4 * 12_500 * 128;
    const values = layers[1]!.values.data;
    for (const i of [0, 1, 12345, values.length - 1]) expect(values[i]).toBe(Math.fround(pattern(valuesStart + i)));
  });

  it("reads an F16 capture with bounded scratch memory", { timeout: 120_000 }, async () => {
    const base = join(folder, "large-f16");
    const { sidecar, bytes } = writeLargeCapture(base, 2, 12_500, "F16");

    const before = await settleMemory();
    const capture = openCapture(base);
    const layers = sidecar.layers.map((layer) => capture.readLayer(layer));
    const after = process.memoryUsage();
    capture.close();

    // Decoded float32 tensors take twice the file; each read adds at most 2 MiB of scratch.
    const bufferGrowth = after.arrayBuffers - before.arrayBuffers;
    expect(bufferGrowth).toBeGreaterThan(1.95 * bytes);
    expect(bufferGrowth).toBeLessThan(2 * bytes + 8 * 2 ** 20 * sidecar.layers.length);
    expect(layers[0]!.keys.data[777]).toBe(f16ToF32(f32ToF16(pattern(777))));
  });
});
