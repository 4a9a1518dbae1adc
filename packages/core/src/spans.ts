/**
 * The token range of one screenshot in the prompt: `[start, end)` covers exactly its
 * image-pad tokens, markers excluded. `grid` is the true merged-token grid
 * `[rows, cols]` with `rows · cols = end − start`, when the caller knows it.
 */
export interface ImageSpan {
  readonly start: number;
  readonly end: number;
  readonly grid?: readonly [number, number];
}

/** A span after clipping to the past positions `[0, L)`. */
export interface ClippedSpan {
  readonly start: number;
  readonly end: number;
  /**
   * The true grid of the whole screenshot. Clipping only cuts a valid span's tail, so
   * token `start + o` still sits at row `floor(o / cols)`, column `o mod cols`.
   */
  readonly grid?: readonly [number, number];
}

/**
 * Lists every problem of a span list: out of range of `[0, seqLen]`, empty, unsorted or
 * overlapping spans, and grids that do not cover their span.
 */
export function spanProblems(spans: readonly ImageSpan[], seqLen: number): string[] {
  const problems: string[] = [];
  let previousEnd = 0;
  for (const [i, span] of spans.entries()) {
    const { start, end, grid } = span;
    if (!Number.isInteger(start) || !Number.isInteger(end)) {
      problems.push(`spans[${i}] is [${start}, ${end}); start and end must be integers`);
      continue;
    }
    if (start < 0 || end > seqLen) {
      problems.push(`spans[${i}] is [${start}, ${end}), outside the prompt [0, ${seqLen})`);
    }
    if (end <= start) {
      problems.push(`spans[${i}] is [${start}, ${end}); end must be greater than start`);
    }
    if (i > 0 && start < previousEnd) {
      problems.push(`spans[${i}] starts at ${start}, before spans[${i - 1}] ends at ${previousEnd}; spans must be sorted and must not overlap`);
    }
    if (grid !== undefined) {
      const [rows, cols] = grid;
      if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1 || rows * cols !== end - start) {
        problems.push(`spans[${i}].grid is [${rows}, ${cols}] but the span has ${end - start} tokens; rows · cols must equal end − start`);
      }
    }
    previousEnd = Math.max(previousEnd, end);
  }
  return problems;
}

/**
 * Clips spans to the past positions `[0, pastLength)` as the reference does: each span
 * becomes `[clamp(start, 0, L), clamp(end, start', L))` and is dropped when empty. Order
 * is preserved, so the last element is the current screenshot. A span that reaches into
 * the observation window is cut at `L` and keeps its grid (see `ClippedSpan.grid`).
 */
export function clipSpans(spans: readonly ImageSpan[], pastLength: number): ClippedSpan[] {
  const clipped: ClippedSpan[] = [];
  for (const span of spans) {
    const start = Math.min(Math.max(span.start, 0), pastLength);
    const end = Math.min(Math.max(span.end, start), pastLength);
    if (end <= start) continue;
    clipped.push(span.grid !== undefined ? { start, end, grid: span.grid } : { start, end });
  }
  return clipped;
}
