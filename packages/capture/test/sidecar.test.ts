import { CaptureError, type CaptureSidecar, parseSidecar } from "@starkv/capture";
import { describe, expect, it } from "vitest";

/** The example sidecar of the capture format description. */
function example(): Record<string, unknown> {
  return {
    format: "starkv-capture/1",
    model: { name: "UI-TARS-1.5-7B", layers: 28, queryHeads: 28, kvHeads: 4, headDim: 128, hidden: 3584, rope: "mrope" },
    layers: [0, 7, 14, 27],
    window: 8,
    seqLen: 6123,
    images: [{ step: 0, span: [15, 1176], grid: [27, 43], size: [1212, 758], resized: [1204, 756], targets: [[512, 300, 80, 24]] }],
  };
}

function problemsOf(json: unknown): readonly string[] {
  try {
    parseSidecar(json, "capture.json");
  } catch (error) {
    expect(error).toBeInstanceOf(CaptureError);
    expect((error as CaptureError).file).toBe("capture.json");
    return (error as CaptureError).problems;
  }
  throw new Error("parseSidecar() accepted an invalid sidecar");
}

describe("parseSidecar", () => {
  it("accepts the documented example", () => {
    const sidecar = parseSidecar(example(), "capture.json");
    expect(sidecar).toEqual(example());
  });

  it("ignores unknown fields", () => {
    const json: Record<string, unknown> = { ...example(), prompt: "open settings", extra: { a: 1 } };
    (json.model as Record<string, unknown>).dtype = "bfloat16";
    const sidecar = parseSidecar(json, "capture.json");
    expect(sidecar).not.toHaveProperty("prompt");
    expect(sidecar.model).not.toHaveProperty("dtype");
  });

  it("returns a copy that does not share arrays with the input", () => {
    const json = example();
    const sidecar: CaptureSidecar = parseSidecar(json, "capture.json");
    sidecar.layers.push(99);
    sidecar.images[0]!.span[0] = 0;
    expect(json.layers).toEqual([0, 7, 14, 27]);
    expect((json.images as { span: number[] }[])[0]!.span).toEqual([15, 1176]);
  });

  it("accepts optional image fields left out and no images", () => {
    const json = { ...example(), images: [{ step: 0, span: [15, 1176], grid: [27, 43] }] };
    expect(parseSidecar(json, "capture.json").images[0]).toEqual({ step: 0, span: [15, 1176], grid: [27, 43] });
    expect(parseSidecar({ ...example(), images: [] }, "capture.json").images).toEqual([]);
  });

  it("lists every missing field at once", () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(6);
    expect(problems.join("\n")).toMatch(/format is missing/);
    expect(problems.join("\n")).toMatch(/model is missing/);
    expect(problems.join("\n")).toMatch(/layers is missing/);
    expect(problems.join("\n")).toMatch(/seqLen is missing/);
    expect(problems.join("\n")).toMatch(/window is missing/);
    expect(problems.join("\n")).toMatch(/images is missing/);
  });

  it("rejects a non-object", () => {
    expect(() => parseSidecar([1, 2], "capture.json")).toThrow(CaptureError);
    expect(() => parseSidecar(null, "capture.json")).toThrow(/must be a JSON object/);
  });

  it("names a newer format version", () => {
    expect(problemsOf({ ...example(), format: "starkv-capture/2" })).toEqual([
      'format is "starkv-capture/2"; expected "starkv-capture/1"; this version of @starkv/capture reads only starkv-capture/1',
    ]);
  });

  it("checks the model fields", () => {
    const problems = problemsOf({ ...example(), model: { name: "", layers: 0, queryHeads: 28, kvHeads: 5, headDim: 1.5, hidden: 3584, rope: 3 } });
    expect(problems).toEqual([
      'model.name is ""; expected a non-empty string',
      "model.layers is 0; expected a positive integer",
      "model.headDim is 1.5; expected a positive integer",
      "model.queryHeads is 28, not a multiple of model.kvHeads 5; every KV head must serve the same number of query heads",
      'model.rope is 3; expected a string such as "mrope" or "rope"',
    ]);
  });

  it("checks the layer list", () => {
    expect(problemsOf({ ...example(), layers: [0, 7, 7, 30, -1] })).toEqual([
      "layers[2] is 7, not above layers[1] = 7; list each layer once, in ascending order",
      "layers[3] is 30, but the model has layers 0 to 27",
      "layers[4] is -1; expected a non-negative integer",
    ]);
    expect(problemsOf({ ...example(), layers: [] })).toEqual(["layers is []; expected a non-empty array of layer indices"]);
  });

  it("checks window against seqLen", () => {
    expect(problemsOf({ ...example(), seqLen: 6, images: [] })).toEqual(["window is 8, longer than seqLen 6"]);
    expect(problemsOf({ ...example(), window: 0 })).toEqual(["window is 0; expected a positive integer"]);
  });

  it("checks spans and grids", () => {
    const images = [
      { step: 1, span: [15, 1176], grid: [27, 42] },
      { step: 0, span: [1000, 1100], grid: [10, 10] },
      { step: 2, span: [6000, 6200], grid: [10, 20] },
      { step: 3, span: [7, 7], grid: [1, 1] },
    ];
    expect(problemsOf({ ...example(), images })).toEqual([
      "images[0].grid is [27, 42] (1134 tokens) but the span has 1161; rows · cols must equal end − start",
      "images[1].step is 0, below the previous image's step 1; list images oldest first",
      "images[1].span starts at 1000, before the previous image ends at 1176; spans must be sorted and must not overlap",
      "images[2].span is [6000, 6200), past seqLen 6123",
      "images[3].span is [7,7]; expected [start, end) token positions with 0 ≤ start < end",
    ]);
  });

  it("checks sizes and targets", () => {
    const images = [{ step: 0, span: [15, 1176], grid: [27, 43], size: [1212], resized: [1204, 750], targets: [[1, 2, 3], [0, 0, -1, 4]] }];
    expect(problemsOf({ ...example(), images })).toEqual([
      "images[0].size is [1212]; expected [width, height] in pixels",
      "images[0].resized is [1204, 750] but grid is [27, 43]; each merged token must cover a square cell of whole pixels (28 × 28 for Qwen2.5-VL)",
      "images[0].targets[0] is [1,2,3]; expected [x, y, width, height] with finite numbers and width, height ≥ 0",
      "images[0].targets[1] is [0,0,-1,4]; expected [x, y, width, height] with finite numbers and width, height ≥ 0",
    ]);
  });

  it("names the field when there is one problem", () => {
    try {
      parseSidecar({ ...example(), window: "8" }, "capture.json");
      expect.unreachable();
    } catch (error) {
      expect((error as CaptureError).field).toBe("window");
      expect((error as CaptureError).message).toBe('capture.json: window is "8"; expected a positive integer');
    }
  });
});
