import { cacheHeadOf, type MethodLayerResult } from "@starkv/baselines";
import type { ImageSpan } from "@starkv/core";

/** The share of target tokens a result keeps. */
export interface TargetCoverage {
  /** Mean over query heads of the kept share of the targets. */
  readonly mean: number;
  /** `[cacheHeads]` kept share of the targets in each cache head. */
  readonly perCacheHead: Float64Array;
  /** Distinct target tokens. */
  readonly targets: number;
}

/** Kept tokens of one screenshot span. */
export interface SpanKept {
  readonly start: number;
  readonly end: number;
  /** `[cacheHeads]` kept positions in `[start, end)` of each cache head. */
  readonly kept: Int32Array;
  /** Mean over query heads of the kept share of the span. */
  readonly meanFraction: number;
}

function keptSet(positions: Int32Array): Set<number> {
  return new Set(positions);
}

/** Averages a per-cache-head value over the query heads that read each cache head. */
function meanOverQueryHeads(result: MethodLayerResult, perCacheHead: Float64Array): number {
  const heads = result.heads.length * result.queryHeadsPerCacheHead;
  let sum = 0;
  for (let h = 0; h < heads; h++) sum += perCacheHead[cacheHeadOf(result, h)]!;
  return sum / heads;
}

/**
 * Computes the share of `targets` (token positions, for example the tokens of a target
 * box, see `boxTokens`) that each cache head keeps, and its mean over query heads.
 *
 * @throws RangeError when `targets` is empty or contains a position outside the prompt
 */
export function targetCoverage(result: MethodLayerResult, targets: ArrayLike<number>): TargetCoverage {
  const seqLen = result.capacity.seqLen;
  const unique = new Set<number>();
  for (let i = 0; i < targets.length; i++) {
    const position = targets[i]!;
    if (!Number.isInteger(position) || position < 0 || position >= seqLen) {
      throw new RangeError(`targetCoverage(): targets[${i}] is ${position}; expected a token position in [0, ${seqLen})`);
    }
    unique.add(position);
  }
  if (unique.size === 0) throw new RangeError("targetCoverage(): targets is empty; pass at least one token position (a box that covers no token has no coverage)");
  const perCacheHead = Float64Array.from(result.heads, (head) => {
    const kept = keptSet(head.positions);
    let count = 0;
    for (const position of unique) if (kept.has(position)) count++;
    return count / unique.size;
  });
  return { mean: meanOverQueryHeads(result, perCacheHead), perCacheHead, targets: unique.size };
}

/**
 * Counts the kept tokens of every screenshot span in every cache head.
 *
 * @param spans `[start, end)` token ranges inside the prompt
 * @throws RangeError when a span is empty or outside the prompt
 */
export function keptPerSpan(result: MethodLayerResult, spans: readonly ImageSpan[]): SpanKept[] {
  const seqLen = result.capacity.seqLen;
  return spans.map(({ start, end }, i) => {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > seqLen || end <= start) {
      throw new RangeError(`keptPerSpan(): spans[${i}] is [${start}, ${end}); expected integers with 0 ≤ start < end ≤ ${seqLen}`);
    }
    const kept = Int32Array.from(result.heads, (head) => {
      let count = 0;
      for (const position of head.positions) if (position >= start && position < end) count++;
      return count;
    });
    const fractions = Float64Array.from(kept, (count) => count / (end - start));
    return { start, end, kept, meanFraction: meanOverQueryHeads(result, fractions) };
  });
}

/**
 * Returns the token positions of a screenshot that a box touches, ascending.
 *
 * Token `o` of the span sits at grid cell (`floor(o / cols)`, `o mod cols`), and cell
 * (r, c) covers the pixels `[c · W / cols, (c + 1) · W / cols) × [r · H / rows, …)` of the
 * `W × H` screenshot. A box `[x, y, width, height]` selects the cells it overlaps with
 * positive area. Along an axis where the box has zero length it selects the cells that
 * contain its coordinate, so a box of zero width and height is a point.
 *
 * @param span the screenshot's span with its `grid` `[rows, cols]`
 * @param imageSize `[width, height]` of the screenshot, in the pixels of the box
 * @param box `[x, y, width, height]`
 * @throws RangeError when the span has no grid, a size is invalid or the box misses the image
 */
export function boxTokens(span: ImageSpan, imageSize: readonly [number, number], box: readonly [number, number, number, number]): Int32Array {
  const grid = span.grid;
  if (grid === undefined) throw new RangeError(`boxTokens(): span [${span.start}, ${span.end}) has no grid; pass the screenshot's grid [rows, cols]`);
  const [rows, cols] = grid;
  if (rows * cols !== span.end - span.start) throw new RangeError(`boxTokens(): span [${span.start}, ${span.end}) has ${span.end - span.start} tokens but grid [${rows}, ${cols}]; rows · cols must equal end − start`);
  const [width, height] = imageSize;
  if (!(width > 0) || !(height > 0)) throw new RangeError(`boxTokens(): imageSize is [${width}, ${height}]; expected positive pixel sizes`);
  const [x, y, w, h] = box;
  if (![x, y, w, h].every(Number.isFinite) || w < 0 || h < 0) throw new RangeError(`boxTokens(): box is [${box.join(", ")}]; expected [x, y, width, height] with finite values and width, height ≥ 0`);

  const colRange = cellRange(x, w, width, cols);
  const rowRange = cellRange(y, h, height, rows);
  if (colRange === undefined || rowRange === undefined) {
    throw new RangeError(`boxTokens(): box [${box.join(", ")}] does not overlap the ${width} × ${height} image`);
  }
  const positions: number[] = [];
  for (let r = rowRange[0]; r <= rowRange[1]; r++) {
    for (let c = colRange[0]; c <= colRange[1]; c++) positions.push(span.start + r * cols + c);
  }
  return Int32Array.from(positions);
}

/**
 * Returns the first and last of `cells` equal cells along an axis of `size` pixels that the
 * interval `[start, start + length)` overlaps with positive length, or the cell containing
 * `start` when `length` is 0. Returns undefined when the interval misses the axis.
 */
function cellRange(start: number, length: number, size: number, cells: number): [number, number] | undefined {
  const cell = size / cells;
  if (length === 0) {
    if (start < 0 || start >= size) return undefined;
    const index = Math.min(cells - 1, Math.floor(start / cell));
    return [index, index];
  }
  // Cell c overlaps the interval when c · cell < start + length and (c + 1) · cell > start.
  const first = Math.max(0, Math.floor(start / cell));
  const last = Math.min(cells - 1, Math.ceil((start + length) / cell) - 1);
  return first <= last && start < size ? [first, last] : undefined;
}
