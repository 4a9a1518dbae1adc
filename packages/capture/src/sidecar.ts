import { CaptureError } from "./errors.js";

/** The format string of the sidecar version this package reads and writes. */
export const CAPTURE_FORMAT = "starkv-capture/1";

/** The model a capture was taken from. */
export interface CaptureModel {
  /** Model name, for example `"UI-TARS-1.5-7B"`. */
  name: string;
  /** Number of decoder layers of the whole model (not only the captured ones). */
  layers: number;
  /** Query heads per layer (`H`). */
  queryHeads: number;
  /** Key/value heads per layer (`Hk`); `queryHeads` is a multiple of it. */
  kvHeads: number;
  /** Channels per head (`D`). */
  headDim: number;
  /** Width of the hidden state that enters attention. */
  hidden: number;
  /** Rotary embedding kind, for example `"mrope"` (Qwen2.5-VL) or `"rope"` (1-D). */
  rope?: string;
}

/** One screenshot of the prompt, in token positions and pixels. */
export interface CaptureImage {
  /** Agent step the screenshot belongs to; images are listed oldest first. */
  step: number;
  /** `[start, end)` token positions of the image-pad run, markers excluded. */
  span: [number, number];
  /** Merged-token grid `[rows, cols]` with `rows · cols = end − start`. */
  grid: [number, number];
  /** Original screenshot size `[width, height]` in pixels. */
  size?: [number, number];
  /** Size after `smartResize`, `[width, height]` in pixels. */
  resized?: [number, number];
  /** Target boxes `[x, y, width, height]` in pixels of the original screenshot. */
  targets?: [number, number, number, number][];
}

/** The `NAME.json` sidecar of a capture (format `starkv-capture/1`). */
export interface CaptureSidecar {
  format: "starkv-capture/1";
  model: CaptureModel;
  /** Captured decoder layers, ascending. */
  layers: number[];
  /** Observation window `w`: the captured queries are those of the last `w` tokens. */
  window: number;
  /** Prompt length `T` in tokens. */
  seqLen: number;
  /** Screenshots, oldest first. */
  images: CaptureImage[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function show(value: unknown): string {
  return value === undefined ? "missing" : JSON.stringify(value);
}

/** Reads a positive integer field, or records a problem and returns undefined. */
function positiveField(object: Record<string, unknown>, key: string, path: string, problems: string[]): number | undefined {
  const value = object[key];
  if (isPositiveInteger(value)) return value;
  problems.push(`${path}.${key} is ${show(value)}; expected a positive integer`);
  return undefined;
}

/** Reads a pair of positive integers, or records a problem and returns undefined. */
function positivePair(value: unknown, path: string, what: string, problems: string[]): [number, number] | undefined {
  if (Array.isArray(value) && value.length === 2 && value.every(isPositiveInteger)) return [value[0] as number, value[1] as number];
  problems.push(`${path} is ${show(value)}; expected ${what}`);
  return undefined;
}

function parseModel(value: unknown, problems: string[]): CaptureModel | undefined {
  if (!isRecord(value)) {
    problems.push(`model is ${show(value)}; expected an object {name, layers, queryHeads, kvHeads, headDim, hidden}`);
    return undefined;
  }
  const before = problems.length;
  const name = value.name;
  if (typeof name !== "string" || name.length === 0) problems.push(`model.name is ${show(name)}; expected a non-empty string`);
  const layers = positiveField(value, "layers", "model", problems);
  const queryHeads = positiveField(value, "queryHeads", "model", problems);
  const kvHeads = positiveField(value, "kvHeads", "model", problems);
  const headDim = positiveField(value, "headDim", "model", problems);
  const hidden = positiveField(value, "hidden", "model", problems);
  if (queryHeads !== undefined && kvHeads !== undefined && queryHeads % kvHeads !== 0) {
    problems.push(`model.queryHeads is ${queryHeads}, not a multiple of model.kvHeads ${kvHeads}; every KV head must serve the same number of query heads`);
  }
  const rope = value.rope;
  if (rope !== undefined && typeof rope !== "string") problems.push(`model.rope is ${show(rope)}; expected a string such as "mrope" or "rope"`);
  if (problems.length > before) return undefined;
  const model: CaptureModel = { name: name as string, layers: layers!, queryHeads: queryHeads!, kvHeads: kvHeads!, headDim: headDim!, hidden: hidden! };
  if (typeof rope === "string") model.rope = rope;
  return model;
}

function parseLayers(value: unknown, modelLayers: number | undefined, problems: string[]): number[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`layers is ${show(value)}; expected a non-empty array of layer indices`);
    return undefined;
  }
  const before = problems.length;
  for (const [i, layer] of value.entries()) {
    if (!isNonNegativeInteger(layer)) {
      problems.push(`layers[${i}] is ${show(layer)}; expected a non-negative integer`);
    } else if (modelLayers !== undefined && layer >= modelLayers) {
      problems.push(`layers[${i}] is ${layer}, but the model has layers 0 to ${modelLayers - 1}`);
    } else if (i > 0 && isNonNegativeInteger(value[i - 1]) && layer <= (value[i - 1] as number)) {
      problems.push(`layers[${i}] is ${layer}, not above layers[${i - 1}] = ${value[i - 1]}; list each layer once, in ascending order`);
    }
  }
  return problems.length > before ? undefined : [...(value as number[])];
}

function parseTargets(value: unknown, path: string, problems: string[]): [number, number, number, number][] | undefined {
  if (!Array.isArray(value)) {
    problems.push(`${path} is ${show(value)}; expected an array of [x, y, width, height] boxes`);
    return undefined;
  }
  const before = problems.length;
  for (const [j, box] of value.entries()) {
    const valid =
      Array.isArray(box) &&
      box.length === 4 &&
      box.every((item) => typeof item === "number" && Number.isFinite(item)) &&
      (box[2] as number) >= 0 &&
      (box[3] as number) >= 0;
    if (!valid) problems.push(`${path}[${j}] is ${show(box)}; expected [x, y, width, height] with finite numbers and width, height ≥ 0`);
  }
  return problems.length > before ? undefined : (value as number[][]).map((box) => [box[0]!, box[1]!, box[2]!, box[3]!]);
}

function parseImages(value: unknown, seqLen: number | undefined, problems: string[]): CaptureImage[] | undefined {
  if (!Array.isArray(value)) {
    problems.push(`images is ${show(value)}; expected an array (empty when the prompt has no screenshot)`);
    return undefined;
  }
  const before = problems.length;
  const images: CaptureImage[] = [];
  let previousEnd = 0;
  let previousStep = 0;
  for (const [i, item] of value.entries()) {
    const path = `images[${i}]`;
    if (!isRecord(item)) {
      problems.push(`${path} is ${show(item)}; expected an object {step, span, grid}`);
      continue;
    }
    const step = item.step;
    if (!isNonNegativeInteger(step)) problems.push(`${path}.step is ${show(step)}; expected a non-negative integer`);
    else if (step < previousStep) problems.push(`${path}.step is ${step}, below the previous image's step ${previousStep}; list images oldest first`);

    const span = item.span;
    let spanPair: [number, number] | undefined;
    if (!Array.isArray(span) || span.length !== 2 || !span.every(isNonNegativeInteger) || (span[0] as number) >= (span[1] as number)) {
      problems.push(`${path}.span is ${show(span)}; expected [start, end) token positions with 0 ≤ start < end`);
    } else {
      spanPair = [span[0] as number, span[1] as number];
      if (seqLen !== undefined && spanPair[1] > seqLen) problems.push(`${path}.span is [${spanPair.join(", ")}), past seqLen ${seqLen}`);
      if (spanPair[0] < previousEnd) problems.push(`${path}.span starts at ${spanPair[0]}, before the previous image ends at ${previousEnd}; spans must be sorted and must not overlap`);
    }

    const grid = positivePair(item.grid, `${path}.grid`, "[rows, cols] of positive integers", problems);
    if (grid !== undefined && spanPair !== undefined && grid[0] * grid[1] !== spanPair[1] - spanPair[0]) {
      problems.push(`${path}.grid is [${grid.join(", ")}] (${grid[0] * grid[1]} tokens) but the span has ${spanPair[1] - spanPair[0]}; rows · cols must equal end − start`);
    }
    const size = item.size === undefined ? undefined : positivePair(item.size, `${path}.size`, "[width, height] in pixels", problems);
    const resized = item.resized === undefined ? undefined : positivePair(item.resized, `${path}.resized`, "[width, height] in pixels", problems);
    if (resized !== undefined && grid !== undefined) {
      const cellWidth = resized[0] / grid[1];
      const cellHeight = resized[1] / grid[0];
      if (!Number.isInteger(cellWidth) || cellWidth !== cellHeight) {
        problems.push(`${path}.resized is [${resized.join(", ")}] but grid is [${grid.join(", ")}]; each merged token must cover a square cell of whole pixels (28 × 28 for Qwen2.5-VL)`);
      }
    }
    const targets = item.targets === undefined ? undefined : parseTargets(item.targets, `${path}.targets`, problems);

    if (spanPair !== undefined) previousEnd = Math.max(previousEnd, spanPair[1]);
    if (isNonNegativeInteger(step)) previousStep = Math.max(previousStep, step);
    if (isNonNegativeInteger(step) && spanPair !== undefined && grid !== undefined) {
      const image: CaptureImage = { step, span: spanPair, grid };
      if (size !== undefined) image.size = size;
      if (resized !== undefined) image.resized = resized;
      if (targets !== undefined) image.targets = targets;
      images.push(image);
    }
  }
  return problems.length > before ? undefined : images;
}

/**
 * Validates a parsed sidecar and returns a clean copy that keeps only the known fields.
 * Unknown fields are ignored, so later minor additions do not break old readers.
 *
 * @param json the value of `JSON.parse` on the sidecar file
 * @param file path used in error messages
 * @throws CaptureError listing every missing or invalid field at once
 */
export function parseSidecar(json: unknown, file: string): CaptureSidecar {
  if (!isRecord(json)) throw new CaptureError(file, `the sidecar must be a JSON object, not ${show(json)}`);
  const problems: string[] = [];

  if (json.format !== CAPTURE_FORMAT) {
    const hint = typeof json.format === "string" && json.format.startsWith("starkv-capture/") ? "; this version of @starkv/capture reads only starkv-capture/1" : "";
    problems.push(`format is ${show(json.format)}; expected "${CAPTURE_FORMAT}"${hint}`);
  }
  const model = parseModel(json.model, problems);
  const layers = parseLayers(json.layers, model?.layers, problems);

  const seqLen = json.seqLen;
  const validSeqLen = isPositiveInteger(seqLen) ? seqLen : undefined;
  if (validSeqLen === undefined) problems.push(`seqLen is ${show(seqLen)}; expected a positive integer (the prompt length in tokens)`);
  const window = json.window;
  if (!isPositiveInteger(window)) problems.push(`window is ${show(window)}; expected a positive integer`);
  else if (validSeqLen !== undefined && window > validSeqLen) problems.push(`window is ${window}, longer than seqLen ${validSeqLen}`);

  const images = parseImages(json.images, validSeqLen, problems);

  if (problems.length > 0) throw new CaptureError(file, problems, problems.length === 1 ? fieldOf(problems[0]!) : undefined);
  return { format: CAPTURE_FORMAT, model: model!, layers: layers!, window: window as number, seqLen: validSeqLen!, images: images! };
}

/** Returns the field a problem sentence starts with, for example `images[0].grid`. */
function fieldOf(problem: string): string {
  return problem.split(" ")[0]!;
}
