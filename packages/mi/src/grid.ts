/** Numbers of bins of the MI estimator: rows and columns of the position grid, value ranks. */
export interface MIBins {
  readonly rows: number;
  readonly cols: number;
  readonly values: number;
}

/** The reference's bins: 12 × 12 position bins and 16 value bins. */
export const defaultBins: MIBins = Object.freeze({ rows: 12, cols: 12, values: 16 });

/**
 * Guesses a near-square grid `[rows, cols]` for a span of `tokens` tokens, as the
 * reference does: `rows = max(1, round(sqrt(n)))`, `cols = max(1, ceil(n / rows))`.
 * For a 1920×1080 screenshot (2691 tokens on a 39 × 69 grid) this gives 52 × 52, so the
 * guessed rows shear the real ones; pass the true grid where it is known.
 */
export function guessGrid(tokens: number): [number, number] {
  const n = Math.max(1, tokens);
  const rows = Math.max(1, Math.round(Math.sqrt(n)));
  return [rows, Math.max(1, Math.ceil(n / rows))];
}

/**
 * Returns the position bin of each of `tokens` tokens laid out row-major on `grid`:
 * token `o` sits at `(floor(o / cols), o mod cols)`, its centre at
 * `y = (row + 0.5) / rows`, `x = (col + 0.5) / cols`, binned to
 * `clamp(floor(bins · y), 0, bins − 1)`.
 */
export function positionBins(tokens: number, grid: readonly [number, number], bins: Pick<MIBins, "rows" | "cols"> = defaultBins): { rowBins: Int32Array; colBins: Int32Array } {
  const [rows, cols] = grid;
  const rowBins = new Int32Array(tokens);
  const colBins = new Int32Array(tokens);
  for (let o = 0; o < tokens; o++) {
    const y = (Math.floor(o / cols) + 0.5) / rows;
    const x = ((o % cols) + 0.5) / cols;
    rowBins[o] = Math.min(Math.max(Math.floor(bins.rows * y), 0), bins.rows - 1);
    colBins[o] = Math.min(Math.max(Math.floor(bins.cols * x), 0), bins.cols - 1);
  }
  return { rowBins, colBins };
}
