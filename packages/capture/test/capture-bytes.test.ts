import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CaptureError, openCapture, parseCaptureBytes, writeCapture } from "@starkv/capture";
import { afterAll, describe, expect, it } from "vitest";
import { sampleCapture, temporaryFolder } from "./sample-capture.js";

const folder = temporaryFolder("starkv-capture-bytes-");
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function written(dtype: "F32" | "F16" | "BF16") {
  const { sidecar, layers } = sampleCapture();
  const path = join(folder, `sample-${dtype}`);
  writeCapture(path, sidecar, layers, { dtype });
  return { path, text: readFileSync(`${path}.json`, "utf8"), bytes: new Uint8Array(readFileSync(`${path}.safetensors`)) };
}

describe("parseCaptureBytes", () => {
  for (const dtype of ["F32", "F16", "BF16"] as const) {
    it(`matches openCapture for ${dtype}`, () => {
      const { path, text, bytes } = written(dtype);
      const fromBytes = parseCaptureBytes(text, bytes, "sample");
      const capture = openCapture(path);
      for (const layer of capture.layers) {
        const a = fromBytes.layers.get(layer)!;
        const b = capture.readLayer(layer);
        expect(a.keys.data).toEqual(b.keys.data);
        expect(a.values.data).toEqual(b.values.data);
        expect(a.queries.data).toEqual(b.queries.data);
        expect(a.hidden?.data).toEqual(b.hidden?.data);
      }
      capture.close();
    });
  }

  it("reads bytes at an odd offset", () => {
    const { text, bytes } = written("F32");
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const layer = parseCaptureBytes(text, shifted.subarray(3), "sample").layers.values().next().value!;
    expect(layer.keys.data.length).toBeGreaterThan(0);
  });

  it("rejects a truncated file", () => {
    const { text, bytes } = written("F32");
    expect(() => parseCaptureBytes(text, bytes.subarray(0, bytes.length - 10), "sample")).toThrow(CaptureError);
  });

  it("rejects a sidecar that is not JSON", () => {
    const { bytes } = written("F32");
    expect(() => parseCaptureBytes("{ nope", bytes, "sample")).toThrow(/sample\.json.*not valid JSON/);
  });
});
