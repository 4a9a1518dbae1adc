/** A rectangle in canvas pixels. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Returns the index of the first element of the ascending `sorted` that is `≥ value`. */
export function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Computes, for every token of a screenshot span, the share of cache heads that keep it:
 * 1 when every head keeps the token, 0 when none does. Shared-index methods give only
 * 0 and 1; per-head methods give fractions.
 *
 * @param span `[start, end)` token positions of the screenshot
 * @param headPositions ascending kept positions of each cache head
 * @returns `[end − start]` shares in row-major grid order
 * @throws RangeError when the span is empty or reversed, or no head is given
 */
export function keptShare(span: readonly [number, number], headPositions: readonly ArrayLike<number>[]): Float32Array {
  const [start, end] = span;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start) {
    throw new RangeError(`keptShare(): span is [${start}, ${end}); expected integers with 0 ≤ start < end`);
  }
  if (headPositions.length === 0) throw new RangeError("keptShare(): headPositions is empty; pass the kept positions of at least one cache head");
  const counts = new Float32Array(end - start);
  for (const positions of headPositions) {
    for (let i = lowerBound(positions, start); i < positions.length && positions[i]! < end; i++) {
      const offset = positions[i]! - start;
      counts[offset] = counts[offset]! + 1;
    }
  }
  const heads = headPositions.length;
  for (let i = 0; i < counts.length; i++) counts[i] = counts[i]! / heads;
  return counts;
}

/** Counts the tokens of `span` kept by at least one head. */
export function keptInSpan(span: readonly [number, number], headPositions: readonly ArrayLike<number>[]): number {
  return keptShare(span, headPositions).reduce((count, share) => count + (share > 0 ? 1 : 0), 0);
}

/**
 * Returns the canvas rectangle of grid cell `index` (row-major) when the grid covers a
 * `width × height` canvas. The screenshot is resized linearly onto the grid, so every
 * cell has the same size; edges are rounded to whole pixels so neighbouring cells
 * neither overlap nor leave gaps.
 *
 * @throws RangeError when the index is outside the grid
 */
export function cellRect(index: number, grid: readonly [number, number], width: number, height: number): Rect {
  const [rows, cols] = grid;
  if (!Number.isInteger(index) || index < 0 || index >= rows * cols) {
    throw new RangeError(`cellRect(): index is ${index}; expected an integer in [0, ${rows * cols}) for a ${rows}×${cols} grid`);
  }
  const row = Math.floor(index / cols);
  const col = index % cols;
  const x0 = Math.round((col * width) / cols);
  const x1 = Math.round(((col + 1) * width) / cols);
  const y0 = Math.round((row * height) / rows);
  const y1 = Math.round(((row + 1) * height) / rows);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Scales a box `[x, y, width, height]` in pixels of the original screenshot onto a canvas
 * of `canvasWidth × canvasHeight`.
 */
export function boxRect(box: readonly [number, number, number, number], size: readonly [number, number], canvasWidth: number, canvasHeight: number): Rect {
  const sx = canvasWidth / size[0];
  const sy = canvasHeight / size[1];
  return { x: box[0] * sx, y: box[1] * sy, width: box[2] * sx, height: box[3] * sy };
}

/** Kept and dropped counts of a step, as the page reports them. */
export interface KeptSummary {
  /** Mean kept tokens per cache head, window included. */
  readonly keptMean: number;
  readonly seqLen: number;
  /** `keptMean / seqLen` in percent. */
  readonly percent: number;
  /** Tokens of each screenshot kept by at least one head. */
  readonly keptPerImage: readonly number[];
  /** Share of the current screenshot's target tokens kept by every head, or null without targets. */
  readonly targetCoverage: number | null;
}

/**
 * Summarises one layer's result: mean kept count, the kept tokens of every screenshot and
 * the share of the current screenshot's target tokens that every head keeps.
 */
export function summarizeKept(
  headPositions: readonly ArrayLike<number>[],
  seqLen: number,
  images: readonly { readonly span: readonly [number, number]; readonly targetTokens: ArrayLike<number> }[],
): KeptSummary {
  const keptMean = headPositions.reduce((sum, positions) => sum + positions.length, 0) / Math.max(1, headPositions.length);
  const keptPerImage = images.map((image) => keptInSpan(image.span, headPositions));
  const current = images.at(-1);
  let targetCoverage: number | null = null;
  if (current !== undefined && current.targetTokens.length > 0) {
    const share = keptShare(current.span, headPositions);
    let kept = 0;
    for (let i = 0; i < current.targetTokens.length; i++) if (share[current.targetTokens[i]! - current.span[0]] === 1) kept++;
    targetCoverage = kept / current.targetTokens.length;
  }
  return { keptMean, seqLen, percent: (100 * keptMean) / seqLen, keptPerImage, targetCoverage };
}
