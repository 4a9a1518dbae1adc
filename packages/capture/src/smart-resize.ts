import { OptionsError, ProblemList } from "@starkv/core";

/** Options of `smartResize`, with the Qwen2.5-VL defaults. */
export interface SmartResizeOptions {
  /** Both sides become multiples of this many pixels: patch size × merge size, 28 by default. */
  readonly factor?: number;
  /** Smallest pixel count after resizing, 3136 (56²) by default. */
  readonly minPixels?: number;
  /** Largest pixel count after resizing, 12,845,056 (16384 · 28²) by default. */
  readonly maxPixels?: number;
}

/** Options of `imageGrid`, with the Qwen2.5-VL defaults. */
export interface ImageGridOptions {
  /** Side of one vision patch in pixels, 14 by default. */
  readonly patchSize?: number;
  /** Patches merged into one LM token along each axis, 2 by default. */
  readonly mergeSize?: number;
  /** Smallest pixel count after resizing, 3136 by default. */
  readonly minPixels?: number;
  /** Largest pixel count after resizing, 12,845,056 by default. */
  readonly maxPixels?: number;
}

/** The visual-token layout of one screenshot. */
export interface ImageGrid {
  /** Size after `smartResize`, `[width, height]` in pixels (the sidecar's `resized`). */
  readonly resized: [number, number];
  /** Merged-token grid `[rows, cols]` (the sidecar's `grid`). */
  readonly grid: [number, number];
  /** Vision-patch grid `[rows, cols]`, `mergeSize` times the merged grid. */
  readonly patchGrid: [number, number];
  /** Visual tokens in the prompt, `rows · cols` (markers excluded). */
  readonly tokens: number;
}

/** Default `maxPixels` of the Qwen2.5-VL image processor: 16384 tokens of 28 × 28 pixels. */
export const QWEN25VL_MAX_PIXELS = 16384 * 28 * 28;
/** Default `minPixels` of the Qwen2.5-VL image processor: 4 tokens of 28 × 28 pixels. */
export const QWEN25VL_MIN_PIXELS = 4 * 28 * 28;
/** The processor rejects images whose longer side exceeds the shorter one this many times. */
export const MAX_ASPECT_RATIO = 200;

/** Rounds to the nearest integer with ties to even, as Python's `round` does. */
export function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Computes the size the Qwen2.5-VL image processor resizes a screenshot to.
 *
 * Each side is rounded to the nearest multiple of `factor` (ties to even, like Python's
 * `round`, and at least `factor`). A result above `maxPixels` pixels is redone with both
 * sides divided by `√(height · width / maxPixels)` and rounded down to multiples of
 * `factor`. A result below `minPixels` is redone with both sides multiplied by
 * `√(minPixels / (height · width))` and rounded up. Either way the aspect ratio is kept
 * up to that rounding. This follows `smart_resize` of the Qwen2-VL and Qwen2.5-VL
 * image processors in Hugging Face transformers and qwen-vl-utils.
 *
 * @param height original height in pixels (a positive integer)
 * @param width original width in pixels (a positive integer)
 * @returns the resized height and width, both multiples of `factor`
 * @throws OptionsError when a size or option is invalid or the aspect ratio exceeds 200
 */
export function smartResize(height: number, width: number, options: SmartResizeOptions = {}): { height: number; width: number } {
  const { factor = 28, minPixels = QWEN25VL_MIN_PIXELS, maxPixels = QWEN25VL_MAX_PIXELS } = options;
  const problems = new ProblemList();
  if (!Number.isSafeInteger(height) || height < 1) problems.add(`height is ${height}; expected a positive integer number of pixels`);
  if (!Number.isSafeInteger(width) || width < 1) problems.add(`width is ${width}; expected a positive integer number of pixels`);
  if (!Number.isSafeInteger(factor) || factor < 1) problems.add(`factor is ${factor}; expected a positive integer`);
  if (!Number.isSafeInteger(minPixels) || minPixels < 1) problems.add(`minPixels is ${minPixels}; expected a positive integer`);
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) problems.add(`maxPixels is ${maxPixels}; expected a positive integer`);
  if (minPixels > maxPixels) problems.add(`minPixels ${minPixels} is above maxPixels ${maxPixels}`);
  problems.throwIfAny("smartResize()");
  if (Math.max(height, width) / Math.min(height, width) > MAX_ASPECT_RATIO) {
    throw new OptionsError("smartResize()", [`the image is ${width}×${height}, an aspect ratio above ${MAX_ASPECT_RATIO}; the Qwen2.5-VL processor rejects it, so crop or pad the image first`]);
  }

  let resizedHeight = Math.max(factor, roundHalfToEven(height / factor) * factor);
  let resizedWidth = Math.max(factor, roundHalfToEven(width / factor) * factor);
  if (resizedHeight * resizedWidth > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    resizedHeight = Math.max(factor, Math.floor(height / beta / factor) * factor);
    resizedWidth = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (resizedHeight * resizedWidth < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    resizedHeight = Math.ceil((height * beta) / factor) * factor;
    resizedWidth = Math.ceil((width * beta) / factor) * factor;
  }
  return { height: resizedHeight, width: resizedWidth };
}

/**
 * Computes how a screenshot of `height` × `width` pixels becomes Qwen2.5-VL visual
 * tokens: its `smartResize` size with factor `patchSize · mergeSize`, and the merged
 * grid of one token per `factor × factor` cell, laid out row-major.
 *
 * @param height original height in pixels
 * @param width original width in pixels
 * @throws OptionsError when a size or option is invalid
 */
export function imageGrid(height: number, width: number, options: ImageGridOptions = {}): ImageGrid {
  const { patchSize = 14, mergeSize = 2, minPixels = QWEN25VL_MIN_PIXELS, maxPixels = QWEN25VL_MAX_PIXELS } = options;
  const problems = new ProblemList();
  if (!Number.isSafeInteger(patchSize) || patchSize < 1) problems.add(`patchSize is ${patchSize}; expected a positive integer`);
  if (!Number.isSafeInteger(mergeSize) || mergeSize < 1) problems.add(`mergeSize is ${mergeSize}; expected a positive integer`);
  problems.throwIfAny("imageGrid()");
  const factor = patchSize * mergeSize;
  const resized = smartResize(height, width, { factor, minPixels, maxPixels });
  const rows = resized.height / factor;
  const cols = resized.width / factor;
  return {
    resized: [resized.width, resized.height],
    grid: [rows, cols],
    patchGrid: [rows * mergeSize, cols * mergeSize],
    tokens: rows * cols,
  };
}
