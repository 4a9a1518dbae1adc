import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CaptureError, type LayerTensors, openCapture, writeCapture } from "@starkv/capture";
import type { Tensor } from "@starkv/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleCapture, seededRandom, temporaryFolder } from "./sample-capture.js";

/** One corruption: a name for the failure message and the corrupted file contents. */
interface Corruption {
  description: string;
  tensors: Uint8Array;
  sidecar: string;
}

type Random = () => number;

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function integer(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Re-encodes a header object the way a sloppy writer might: no padding. */
function withHeader(original: Uint8Array, header: Record<string, unknown>): Uint8Array {
  const view = new DataView(original.buffer, original.byteOffset);
  const oldLength = Number(view.getBigUint64(0, true));
  const json = new TextEncoder().encode(JSON.stringify(header));
  const data = original.subarray(8 + oldLength);
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

function headerOf(bytes: Uint8Array): Record<string, { dtype: string; shape: number[]; data_offsets: number[] }> {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
}

function corrupt(random: Random, tensors: Uint8Array, sidecar: string): Corruption {
  const headerLength = Number(new DataView(tensors.buffer, tensors.byteOffset).getBigUint64(0, true));
  const bytes = Uint8Array.from(tensors);
  const kind = integer(random, 0, 9);
  switch (kind) {
    case 0: {
      const length = integer(random, 0, tensors.length - 1);
      return { description: `truncated to ${length} bytes`, tensors: tensors.slice(0, length), sidecar };
    }
    case 1:
    case 2: {
      const flips = kind === 1 ? 1 : integer(random, 2, 4);
      const positions: string[] = [];
      for (let i = 0; i < flips; i++) {
        const position = integer(random, 8, 8 + headerLength - 1);
        const mask = integer(random, 1, 255);
        bytes[position]! ^= mask;
        positions.push(`${position}^${mask}`);
      }
      return { description: `header bytes flipped at ${positions.join(", ")}`, tensors: bytes, sidecar };
    }
    case 3: {
      const delta = pick(random, [-16, -8, -3, -1, 1, 2, 7, 16, 1 << 20, 2 ** 40]);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(Math.max(0, headerLength + delta)), true);
      return { description: `length field changed by ${delta}`, tensors: bytes, sidecar };
    }
    case 4: {
      const position = integer(random, 0, 7);
      const mask = integer(random, 1, 255);
      bytes[position]! ^= mask;
      return { description: `length byte ${position} flipped with ${mask}`, tensors: bytes, sidecar };
    }
    case 5: {
      const header = headerOf(tensors);
      const name = pick(random, Object.keys(header).filter((key) => key !== "__metadata__"));
      const side = integer(random, 0, 1);
      const delta = pick(random, [-8, -4, -2, -1, 1, 2, 4, 8, 1000]);
      header[name]!.data_offsets[side]! += delta;
      return { description: `${name}.data_offsets[${side}] changed by ${delta}`, tensors: withHeader(tensors, header), sidecar };
    }
    case 6: {
      const header = headerOf(tensors);
      const name = pick(random, Object.keys(header).filter((key) => key !== "__metadata__"));
      const shape = header[name]!.shape;
      const axis = integer(random, 0, shape.length - 1);
      shape[axis]! += pick(random, [-1, 1, 2]);
      return { description: `${name}.shape[${axis}] changed`, tensors: withHeader(tensors, header), sidecar };
    }
    case 7: {
      const header = headerOf(tensors);
      const name = pick(random, Object.keys(header).filter((key) => key !== "__metadata__"));
      // Only dtypes of another element size: F16 and BF16 share a size, so swapping them
      // gives a valid file that no reader could tell from the original.
      const dtype = pick(random, ["F32", "F64", "I32", "U8", "I64", "BOOL", "X16"].filter((candidate) => candidate !== header[name]!.dtype));
      header[name]!.dtype = dtype;
      return { description: `${name}.dtype set to ${dtype}`, tensors: withHeader(tensors, header), sidecar };
    }
    case 8: {
      const extra = new Uint8Array(integer(random, 1, 64)).map(() => integer(random, 0, 255));
      const appended = new Uint8Array(tensors.length + extra.length);
      appended.set(tensors);
      appended.set(extra, tensors.length);
      return { description: `${extra.length} bytes appended`, tensors: appended, sidecar };
    }
    default: {
      const position = integer(random, 0, sidecar.length - 1);
      if (random() < 0.5) return { description: `sidecar truncated to ${position} characters`, tensors, sidecar: sidecar.slice(0, position) };
      const replacement = String.fromCharCode(integer(random, 32, 126));
      return { description: `sidecar character ${position} set to ${JSON.stringify(replacement)}`, tensors, sidecar: sidecar.slice(0, position) + replacement + sidecar.slice(position + 1) };
    }
  }
}

function sameTensor(a: Tensor | undefined, b: Tensor | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.shape.length !== b.shape.length || a.shape.some((length, axis) => length !== b.shape[axis])) return false;
  return a.data.length === b.data.length && a.data.every((value, i) => Object.is(value, b.data[i]));
}

function sameLayer(a: LayerTensors, b: LayerTensors): boolean {
  return sameTensor(a.queries, b.queries) && sameTensor(a.keys, b.keys) && sameTensor(a.values, b.values) && sameTensor(a.hidden, b.hidden) && sameTensor(a.evalQueries, b.evalQueries);
}

describe("capture reader under corruption", () => {
  let folder: string;
  beforeAll(() => {
    folder = temporaryFolder();
  });
  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it.each(["F32", "F16"] as const)("reads identical data or throws CaptureError (%s)", (dtype) => {
    const { sidecar, layers } = sampleCapture({ evalTokens: 1, seed: 7 });
    const original = join(folder, `original-${dtype}`);
    writeCapture(original, sidecar, layers, { dtype });
    const tensors = readFileSync(`${original}.safetensors`);
    const sidecarText = readFileSync(`${original}.json`, "utf8");
    const reference = openCapture(original);
    const expected = new Map(reference.layers.map((layer) => [layer, reference.readLayer(layer)]));
    reference.close();

    const random = seededRandom(dtype === "F32" ? 20261204 : 977);
    const outcomes = { identical: 0, rejected: 0 };
    const base = join(folder, `corrupt-${dtype}`);
    for (let round = 0; round < 300; round++) {
      const corruption = corrupt(random, tensors, sidecarText);
      writeFileSync(`${base}.safetensors`, corruption.tensors);
      writeFileSync(`${base}.json`, corruption.sidecar);
      let capture;
      try {
        capture = openCapture(base);
        for (const layer of capture.layers) {
          const layerExpected = expected.get(layer);
          if (layerExpected === undefined || !sameLayer(capture.readLayer(layer), layerExpected)) {
            throw new Error(`round ${round}: ${corruption.description} read different data for layer ${layer} without an error`);
          }
        }
        outcomes.identical++;
      } catch (error) {
        if (!(error instanceof CaptureError)) {
          throw new Error(`round ${round}: ${corruption.description} threw ${String(error)} instead of a CaptureError`, { cause: error });
        }
        outcomes.rejected++;
      } finally {
        capture?.close();
      }
    }
    expect(outcomes.identical + outcomes.rejected).toBe(300);
    // Most corruptions must be caught; the rest hit metadata, whitespace or free-text fields.
    expect(outcomes.rejected).toBeGreaterThan(200);
  });

  it("tolerates edits that keep the data valid", () => {
    const { sidecar, layers } = sampleCapture({ seed: 3 });
    const base = join(folder, "tolerant");
    writeCapture(base, sidecar, layers);
    const bytes = readFileSync(`${base}.safetensors`);
    const headerEnd = 8 + Number(bytes.readBigUInt64LE(0));
    // Change the metadata value and turn the last padding space into a tab: both leave valid JSON.
    const edited = Buffer.from(bytes);
    edited.write("starkv-capture/X", bytes.indexOf("starkv-capture/1"), "latin1");
    expect(edited[headerEnd - 1]).toBe(0x20);
    edited[headerEnd - 1] = 0x09;
    writeFileSync(`${base}.safetensors`, edited);
    writeFileSync(`${base}.json`, JSON.stringify({ ...sidecar, model: { ...sidecar.model, name: "renamed" }, comment: "extra" }));
    const capture = openCapture(base);
    for (const layer of capture.layers) expect(sameLayer(capture.readLayer(layer), layers.get(layer)!)).toBe(true);
    expect(capture.header.metadata).toEqual({ format: "starkv-capture/X" });
    capture.close();
  });
});
