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
 * box, see `boxTokens` in `@starkv/capture`) that each cache head keeps, and its mean over query heads.
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

