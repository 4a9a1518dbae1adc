import type { PromptScreen } from "./prompt.js";

/**
 * Resizes an RGB screenshot by area averaging: each output pixel is the mean of the
 * source pixels its footprint covers, weighted by overlap (the same as a box filter).
 *
 * @throws RangeError when a target side is not a positive integer
 */
export function resizeArea(screen: PromptScreen, width: number, height: number): PromptScreen {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`resizeArea(): target ${width} × ${height} must be positive integers`);
  const sx = screen.width / width;
  const sy = screen.height / height;
  const pixels = new Uint8Array(width * height * 3);
  const sums = new Float64Array(3);
  for (let y = 0; y < height; y++) {
    const y0 = y * sy;
    const y1 = y0 + sy;
    for (let x = 0; x < width; x++) {
      const x0 = x * sx;
      const x1 = x0 + sx;
      sums.fill(0);
      let area = 0;
      for (let yy = Math.floor(y0); yy < Math.min(Math.ceil(y1), screen.height); yy++) {
        const wy = Math.min(yy + 1, y1) - Math.max(yy, y0);
        for (let xx = Math.floor(x0); xx < Math.min(Math.ceil(x1), screen.width); xx++) {
          const weight = wy * (Math.min(xx + 1, x1) - Math.max(xx, x0));
          const at = (yy * screen.width + xx) * 3;
          sums[0] = sums[0]! + weight * screen.pixels[at]!;
          sums[1] = sums[1]! + weight * screen.pixels[at + 1]!;
          sums[2] = sums[2]! + weight * screen.pixels[at + 2]!;
          area += weight;
        }
      }
      for (let c = 0; c < 3; c++) pixels[(y * width + x) * 3 + c] = Math.round(sums[c]! / area);
    }
  }
  return { pixels, width, height };
}

/**
 * Picks the patch grid `[rows, columns]` for a screenshot, keeping the aspect ratio as
 * closely as `maxPatches` allows, with at least one patch per side.
 */
export function fitGrid(width: number, height: number, maxPatches: number): [rows: number, columns: number] {
  const columns = Math.max(1, Math.round(Math.sqrt((maxPatches * width) / height)));
  const rows = Math.max(1, Math.floor(maxPatches / columns));
  return [rows, Math.min(columns, maxPatches)];
}
