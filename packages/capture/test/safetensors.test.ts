import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CaptureError,
  encodeSafetensorsHeader,
  f16ToF32,
  f32ToF16,
  MAX_HEADER_BYTES,
  openSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
} from "@starkv/capture";
import { tensor } from "@starkv/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { temporaryFolder } from "./sample-capture.js";

let folder: string;
beforeEach(() => {
  folder = temporaryFolder();
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Builds a safetensors file by hand: the u64 length, the JSON text, then the data bytes. */
function handMade(header: string, data: Uint8Array, lengthField = header.length): Uint8Array {
  const json = new TextEncoder().encode(header);
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(lengthField), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

function floatBytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

function problemOf(bytes: Uint8Array): string {
  const path = join(folder, "bad.safetensors");
  writeFileSync(path, bytes);
  try {
    readSafetensorsHeader(path);
  } catch (error) {
    expect(error).toBeInstanceOf(CaptureError);
    return (error as CaptureError).message;
  }
  throw new Error("readSafetensorsHeader() accepted an invalid file");
}

describe("safetensors reading", () => {
  it("reads a file laid out by hand", () => {
    const header = '{"b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"note":"x"}}';
    const half = new Uint8Array(new Uint16Array([f32ToF16(0.5), f32ToF16(-3)]).buffer);
    const data = new Uint8Array([...floatBytes([1.5, -2]), ...half]);
    const path = join(folder, "hand.safetensors");
    writeFileSync(path, handMade(header, data));

    const parsed = readSafetensorsHeader(path);
    expect([...parsed.tensors.keys()]).toEqual(["a", "b"]);
    expect(parsed.metadata).toEqual({ note: "x" });
    expect(parsed.dataStart).toBe(8 + header.length);
    const tensors = readSafetensors(path);
    expect(Array.from(tensors.get("a")!.data)).toEqual([1.5, -2]);
    expect(Array.from(tensors.get("b")!.data)).toEqual([0.5, -3]);
    expect(tensors.get("b")!.shape).toEqual([2]);
  });

  it("reads scalars and empty tensors", () => {
    const header = '{"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"e":{"dtype":"BF16","shape":[0,3],"data_offsets":[4,4]}}';
    const path = join(folder, "small.safetensors");
    writeFileSync(path, handMade(header, floatBytes([7])));
    const tensors = readSafetensors(path);
    expect(Array.from(tensors.get("s")!.data)).toEqual([7]);
    expect(tensors.get("e")!.shape).toEqual([0, 3]);
    expect(tensors.get("e")!.data.length).toBe(0);
  });

  it("parses integer tensors but refuses to decode them", () => {
    const header = '{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}';
    const path = join(folder, "ints.safetensors");
    writeFileSync(path, handMade(header, new Uint8Array(8)));
    expect(readSafetensorsHeader(path).tensors.get("ids")!.dtype).toBe("I64");
    expect(() => readSafetensors(path)).toThrow(/dtype I64; only F32, F16 and BF16 tensors can be read as float32/);
  });

  it("names missing tensors and refuses reads after close", () => {
    const path = join(folder, "t.safetensors");
    writeSafetensors(path, { a: tensor([1, 2], [2]) });
    expect(() => readSafetensors(path, ["a", "zz"])).toThrow(/has no tensor "zz"; it has "a" F32 \[2\]/);
    const file = openSafetensors(path);
    expect(() => file.readTensor("q")).toThrow(RangeError);
    file.close();
    file.close();
    expect(() => file.readTensor("a")).toThrow(CaptureError);
  });

  it("reports a missing file", () => {
    expect(() => readSafetensorsHeader(join(folder, "none.safetensors"))).toThrow(/file not found/);
  });
});

describe("safetensors header checks", () => {
  const good = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';

  it("rejects files shorter than the length field", () => {
    expect(problemOf(new Uint8Array(5))).toMatch(/fewer than the 8-byte header length/);
  });

  it("rejects a length field above the limit", () => {
    expect(problemOf(handMade(good, floatBytes([1, 2]), MAX_HEADER_BYTES + 1))).toMatch(/above the limit of 100000000/);
  });

  it("rejects a length field past the end of the file", () => {
    expect(problemOf(handMade(good, floatBytes([1, 2]), good.length + 9))).toMatch(/only \d+ bytes after it/);
  });

  it("rejects a header that is not JSON", () => {
    expect(problemOf(handMade(good, floatBytes([1, 2]), good.length + 1))).toMatch(/not valid JSON/);
    expect(problemOf(handMade('["a"]', new Uint8Array(0)))).toMatch(/must be a JSON object/);
  });

  it("rejects a header that is not UTF-8", () => {
    const bytes = handMade(good, floatBytes([1, 2]));
    bytes[10] = 0xff;
    expect(problemOf(bytes)).toMatch(/not valid UTF-8/);
  });

  it("rejects unknown dtypes, bad shapes and bad offsets together", () => {
    const header = '{"a":{"dtype":"F17","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[-1],"data_offsets":[8,12]},"c":{"dtype":"F32","shape":[1],"data_offsets":[16,12]}}';
    const message = problemOf(handMade(header, new Uint8Array(16)));
    expect(message).toMatch(/3 problems/);
    expect(message).toMatch(/tensor "a" has dtype "F17"/);
    expect(message).toMatch(/tensor "b" has shape \[-1\]/);
    expect(message).toMatch(/tensor "c" has data_offsets \[16,12\]/);
  });

  it("rejects a size that disagrees with the shape", () => {
    const header = '{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}';
    expect(problemOf(handMade(header, floatBytes([1, 2])))).toMatch(/needs 12 bytes but its data_offsets \[0, 8\] span 8/);
  });

  it("rejects overlaps, gaps, truncation and trailing bytes", () => {
    const overlap = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    expect(problemOf(handMade(overlap, floatBytes([1, 2])))).toMatch(/inside the previous tensor/);
    const gap = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    expect(problemOf(handMade(gap, floatBytes([1, 2])))).toMatch(/belong to no tensor/);
    expect(problemOf(handMade(good, floatBytes([1])))).toMatch(/need 8 data bytes but the file has 4/);
    expect(problemOf(handMade(good, floatBytes([1, 2, 3])))).toMatch(/trailing bytes/);
  });

  it("rejects metadata that is not a string map", () => {
    const header = '{"__metadata__":{"n":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(problemOf(handMade(header, floatBytes([1, 2])))).toMatch(/__metadata__.n is 1/);
  });
});

describe("safetensors writing", () => {
  it("writes the documented byte layout", () => {
    const path = join(folder, "w.safetensors");
    writeSafetensors(path, new Map([["x", tensor([1.5, -2], [2])]]), { metadata: { k: "v" } });
    const bytes = readFileSync(path);
    const json = '{"__metadata__":{"k":"v"},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
    expect(bytes.readBigUInt64LE(0)).toBe(BigInt(padded));
    expect(bytes.subarray(8, 8 + padded).toString("utf8")).toBe(json.padEnd(padded, " "));
    expect(Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8 + padded, bytes.byteOffset + bytes.length)))).toEqual([1.5, -2]);
    expect(encodeSafetensorsHeader([{ name: "x", dtype: "F32", shape: [2] }], { k: "v" })).toEqual(new Uint8Array(bytes.subarray(0, 8 + padded)));
  });

  it("rounds half-precision tensors to nearest", () => {
    const path = join(folder, "h.safetensors");
    const values = [1 / 3, -1e-6, 60000, 0];
    writeSafetensors(path, { x: tensor(values, [4]) }, { dtype: (name) => (name === "x" ? "F16" : "F32") });
    expect(Array.from(readSafetensors(path).get("x")!.data)).toEqual(values.map((x) => f16ToF32(f32ToF16(x))));
  });

  it("lists every invalid tensor and writes nothing", () => {
    const path = join(folder, "bad.safetensors");
    const fake = { shape: [3], data: new Float32Array(2) };
    expect(() =>
      writeSafetensors(
        path,
        { __metadata__: tensor([1], [1]), big: tensor([1e6], [1]), nan: tensor([0, NaN], [2]), short: fake },
        { dtype: "F16" },
      ),
    ).toThrow(/4 problems/);
    expect(readdirSync(folder)).toEqual([]);
  });

  it("does not change its input", () => {
    const data = Float32Array.from([0.1, 0.2, 0.3]);
    const copy = Float32Array.from(data);
    writeSafetensors(join(folder, "i.safetensors"), { x: tensor(data, [3]) }, { dtype: "BF16" });
    expect(data).toEqual(copy);
  });

  it("replaces an existing file whole", () => {
    const path = join(folder, "r.safetensors");
    writeSafetensors(path, { x: tensor([1, 2, 3], [3]) });
    writeSafetensors(path, { y: tensor([4], [1]) });
    expect([...readSafetensors(path).keys()]).toEqual(["y"]);
    expect(readdirSync(folder)).toEqual(["r.safetensors"]);
  });
});

describe("a zero header length", () => {
  it("is reported as not safetensors", async () => {
    const { parseHeaderLength } = await import("@starkv/capture");
    expect(() => parseHeaderLength(new Uint8Array(8), 1000, "zeros.safetensors")).toThrow(/too short for a JSON header/);
  });
});
