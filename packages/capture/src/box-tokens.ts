import { OptionsError, ProblemList } from "@starkv/core";

function isPositiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1;
}

/**
 * Returns the range of grid cells `[first, last]` along one axis that the pixel interval
 * `[start, start + length]` covers, after clipping it to the image `[0, extent]`, or
 * `undefined` when nothing of it lies inside the image.
 */
function coveredCells(start: number, length: number, extent: number, cells: number): [number, number] | undefined {
  const end = start + length;
  const outside = length > 0 ? start >= extent || end <= 0 : start < 0 || start > extent;
  if (outside) return undefined;
  // Original pixels map linearly onto the resized image, so cell c covers [c, c + 1) · extent / cells.
  const low = Math.max(start, 0);
  const high = Math.min(end, extent);
  const first = Math.min(Math.floor((low * cells) / extent), cells - 1);
  if (high <= low) return [first, first];
  const last = Math.min(Math.ceil((high * cells) / extent) - 1, cells - 1);
  return [first, Math.max(first, last)];
}

/**
 * Lists the token positions of every merged visual token whose cell a box overlaps.
 *
 * The resize maps original pixels linearly onto the grid, so the box is scaled by
 * `cols / width` and `rows / height`, and a cell counts when the box overlaps it with
 * positive area. A box is first clipped to the image; a box of zero width or height (a
 * click point) selects the cell that contains it. Token `(r, c)` sits at
 * `spanStart + r · cols + c`, row-major like the Qwen2.5-VL image-pad run.
 *
 * @param box `[x, y, width, height]` in pixels of the original screenshot
 * @param size the original screenshot `[width, height]` in pixels
 * @param grid the merged-token grid `[rows, cols]`
 * @param spanStart token position of the screenshot's first image-pad token
 * @returns sorted positions, one per covered cell
 * @throws OptionsError when an argument is invalid or the box lies entirely outside the image
 */
export function boxTokens(box: readonly [number, number, number, number], size: readonly [number, number], grid: readonly [number, number], spanStart: number): Int32Array {
  const problems = new ProblemList();
  const validBox = Array.isArray(box) && box.length === 4 && box.every((item) => typeof item === "number" && Number.isFinite(item)) && box[2] >= 0 && box[3] >= 0;
  if (!validBox) problems.add(`box is ${JSON.stringify(box)}; expected [x, y, width, height] with finite numbers and width, height ≥ 0`);
  if (!Array.isArray(size) || size.length !== 2 || !size.every((item) => typeof item === "number" && Number.isFinite(item) && item > 0)) {
    problems.add(`size is ${JSON.stringify(size)}; expected the original [width, height] in pixels`);
  }
  if (!Array.isArray(grid) || grid.length !== 2 || !grid.every(isPositiveInteger)) problems.add(`grid is ${JSON.stringify(grid)}; expected [rows, cols] of positive integers`);
  if (!Number.isSafeInteger(spanStart) || spanStart < 0) problems.add(`spanStart is ${spanStart}; expected a non-negative integer token position`);
  problems.throwIfAny("boxTokens()");

  const [x, y, boxWidth, boxHeight] = box;
  const [width, height] = size;
  const [rows, cols] = grid;
  const columns = coveredCells(x, boxWidth, width, cols);
  const lines = coveredCells(y, boxHeight, height, rows);
  if (columns === undefined || lines === undefined) {
    throw new OptionsError("boxTokens()", [`box [${box.join(", ")}] lies entirely outside the ${width}×${height} image; boxes are [x, y, width, height] in pixels of the original screenshot`]);
  }

  const positions = new Int32Array((lines[1] - lines[0] + 1) * (columns[1] - columns[0] + 1));
  let k = 0;
  for (let row = lines[0]; row <= lines[1]; row++) {
    for (let col = columns[0]; col <= columns[1]; col++) positions[k++] = spanStart + row * cols + col;
  }
  return positions;
}
