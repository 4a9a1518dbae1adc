import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeCapture } from "@starkv/capture";
import { describe, expect, it } from "vitest";
import { CaptureLoadError, loadCaptureSource } from "../src/capture-source.js";
import { DropError, pairCaptureFiles } from "../src/drop-files.js";
import { tinyInputs, tinyLayouts, tinyShape } from "./tiny-episode.js";

const file = (name: string): { name: string } => ({ name });

describe("pairCaptureFiles", () => {
  it("pairs NAME.safetensors with NAME.json", () => {
    const pair = pairCaptureFiles([file("step3.safetensors"), file("step3.JSON")]);
    expect(pair.name).toBe("step3");
    expect(pair.sidecar.name).toBe("step3.JSON");
    expect(pair.tensors.name).toBe("step3.safetensors");
  });

  it.each<[string[], RegExp]>([
    [[], /No file was dropped/],
    [["a.json"], /Only a\.json was dropped; its tensors a\.safetensors are missing/],
    [["a.safetensors"], /Only a\.safetensors was dropped; its sidecar a\.json is missing/],
    [["a.json", "b.safetensors"], /a\.json and b\.safetensors have different names/],
    [["shot.png"], /shot\.png is not part of a capture/],
    [["a.json", "a.safetensors", "b.json", "b.safetensors"], /4 files were dropped .*one capture at a time/],
  ])("rejects %j", (names, message) => {
    expect(() => pairCaptureFiles(names.map(file))).toThrow(DropError);
    expect(() => pairCaptureFiles(names.map(file))).toThrow(message);
  });
});

function tinyCapture(): { sidecarText: string; bytes: Uint8Array } {
  const layout = tinyLayouts(3)[2]!;
  const inputs = tinyInputs(layout);
  const dir = mkdtempSync(join(tmpdir(), "demo-capture-"));
  try {
    const sidecar = {
      format: "starkv-capture/1" as const,
      model: { name: "tiny", layers: 4, queryHeads: tinyShape.queryHeads, kvHeads: tinyShape.kvHeads, headDim: tinyShape.headDim, hidden: 32 },
      layers: [...inputs.keys()],
      window: tinyShape.window,
      seqLen: layout.seqLen,
      images: layout.images.map((image) => ({ step: image.step, span: [...image.span] as [number, number], grid: [...image.grid] as [number, number], size: [280, 196] as [number, number], targets: image.targets?.map((box) => [...box] as [number, number, number, number]) ?? [] })),
    };
    const layers = new Map([...inputs].map(([layer, input]) => [layer, { queries: input.queries, keys: input.keys, values: input.values, hidden: input.hidden! }]));
    writeCapture(join(dir, "tiny"), sidecar, layers);
    return { sidecarText: readFileSync(join(dir, "tiny.json"), "utf8"), bytes: new Uint8Array(readFileSync(join(dir, "tiny.safetensors"))) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("loadCaptureSource", () => {
  const capture = tinyCapture();

  it("reads a valid capture as one step", () => {
    const source = loadCaptureSource(4, "tiny", capture.sidecarText, capture.bytes);
    expect(source.info).toMatchObject({ id: 4, kind: "capture", synthetic: false, layers: [0, 3], kvHeads: 2, queryHeads: 8 });
    expect(source.info.steps).toHaveLength(1);
    expect(source.info.steps[0]!.images.map((image) => image.targetTokens.length > 0)).toEqual([true, false, true]);
    expect(source.layerInput(0, 3).keys.shape).toEqual([2, source.info.steps[0]!.seqLen, 16]);
    expect(() => source.layerInput(0, 1)).toThrow(/layer 1 is not in the capture; it contains step 0 with layers 0, 3/);
  });

  it("explains a sidecar that is not JSON", () => {
    expect(() => loadCaptureSource(1, "tiny", "{ not json", capture.bytes)).toThrow(CaptureLoadError);
    expect(() => loadCaptureSource(1, "tiny", "{ not json", capture.bytes)).toThrow(/tiny\.safetensors \+ tiny\.json is not a valid starkv capture, so the page still shows the previous data\. tiny\.json: the sidecar is not valid JSON/);
  });

  it("explains tensors that are not safetensors", () => {
    const bytes = new TextEncoder().encode("PNG? no, just text that is not a safetensors file");
    expect(() => loadCaptureSource(1, "tiny", capture.sidecarText, bytes)).toThrow(/not a valid starkv capture.*tiny\.safetensors/s);
  });

  it("explains a sidecar that does not match the tensors", () => {
    const sidecar = JSON.parse(capture.sidecarText) as { seqLen: number };
    sidecar.seqLen += 1;
    expect(() => loadCaptureSource(1, "tiny", JSON.stringify(sidecar), capture.bytes)).toThrow(/has shape \[2, \d+, 16\]; the sidecar needs/);
  });
});
