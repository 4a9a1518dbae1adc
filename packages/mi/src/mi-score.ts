import { defaultBins, type MIBins } from "./grid.js";
import { valueRanks } from "./value-ranks.js";

/**
 * Estimates the mutual information (nats) between a score's rank and its 2-D position.
 *
 * Each value's rank in ascending order (ties by lower index) is cut into `bins.values`
 * equal-count bins `a_i = floor(rank_i · V / n)`; positions are the cells
 * `y_i = rowBin_i · C + colBin_i`. The result is the plug-in MI of the joint histogram,
 * `Σ J · (ln(J + 1e-12) − ln(pa · py + 1e-12))`, clamped at 0. It depends on `scores`
 * only through their order. Returns 0 for fewer than 2 values, or when every position or
 * every value bin is the same.
 *
 * @param scores `[n]` any scores (for example a normalised attention distribution)
 * @param rowBins `[n]` row bin per value, clipped to `[0, bins.rows − 1]`
 * @param colBins `[n]` column bin per value, clipped to `[0, bins.cols − 1]`
 */
export function miScore2d(scores: ArrayLike<number>, rowBins: ArrayLike<number>, colBins: ArrayLike<number>, bins: MIBins = defaultBins): number {
  const n = scores.length;
  if (rowBins.length !== n || colBins.length !== n) {
    throw new RangeError(`miScore2d(): scores has ${n} values but rowBins has ${rowBins.length} and colBins ${colBins.length}; all three must have one entry per token`);
  }
  if (n <= 1) return 0;
  const cells = bins.rows * bins.cols;
  const valueBins = Math.max(1, bins.values);

  const cell = new Int32Array(n);
  let sameCell = true;
  for (let i = 0; i < n; i++) {
    const row = Math.min(Math.max(rowBins[i]!, 0), bins.rows - 1);
    const col = Math.min(Math.max(colBins[i]!, 0), bins.cols - 1);
    cell[i] = row * bins.cols + col;
    if (cell[i] !== cell[0]) sameCell = false;
  }
  if (sameCell) return 0;

  const ranks = valueRanks(scores);
  const valueBin = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    valueBin[i] = Math.min(Math.max(Math.floor((ranks[i]! * valueBins) / n), 0), valueBins - 1);
  }
  let sameValue = true;
  for (let i = 1; i < n; i++) if (valueBin[i] !== valueBin[0]) sameValue = false;
  if (sameValue) return 0;

  const joint = new Float64Array(valueBins * cells);
  for (let i = 0; i < n; i++) joint[valueBin[i]! * cells + cell[i]!]! += 1;
  for (let c = 0; c < joint.length; c++) joint[c] = joint[c]! / n;
  const pa = new Float64Array(valueBins);
  const py = new Float64Array(cells);
  for (let a = 0; a < valueBins; a++) {
    for (let y = 0; y < cells; y++) {
      pa[a] = pa[a]! + joint[a * cells + y]!;
      py[y] = py[y]! + joint[a * cells + y]!;
    }
  }
  normalise(pa);
  normalise(py);

  let mi = 0;
  for (let a = 0; a < valueBins; a++) {
    for (let y = 0; y < cells; y++) {
      const j = joint[a * cells + y]!;
      mi += j * (Math.log(j + 1e-12) - Math.log(pa[a]! * py[y]! + 1e-12));
    }
  }
  return Math.max(0, mi);
}

function normalise(values: Float64Array): void {
  let total = 0;
  for (const v of values) total += v;
  for (let i = 0; i < values.length; i++) values[i] = values[i]! / total;
}
