import { boxRect, cellRect } from "./overlay-cells.js";
import type { ShownImage } from "./protocol.js";

/** Colours of the overlay, shared with the legend. */
export const overlayColors = {
  kept: "rgba(34, 197, 94, 0.40)",
  dropped: "rgba(2, 6, 23, 0.80)",
  grid: "rgba(148, 163, 184, 0.35)",
  target: "#f43f5e",
  keptSwatch: "#22c55e",
  droppedSwatch: "#0f172a",
} as const;

const images = new Map<string, HTMLImageElement>();

/** Returns the screenshot at `url`, loading it once; `onLoad` runs when it arrives. */
function screenshot(url: string, onLoad: () => void): HTMLImageElement {
  let image = images.get(url);
  if (image === undefined) {
    image = new Image();
    image.decoding = "async";
    image.src = url;
    images.set(url, image);
  }
  if (!image.complete) image.addEventListener("load", onLoad, { once: true });
  return image;
}

/** Draws the cell borders of the token grid, unless the cells are too small to see them. */
function drawGrid(context: CanvasRenderingContext2D, grid: readonly [number, number], width: number, height: number): void {
  const [rows, cols] = grid;
  if (width / cols < 6 || height / rows < 6) return;
  context.strokeStyle = overlayColors.grid;
  context.lineWidth = 1;
  context.beginPath();
  for (let c = 1; c < cols; c++) {
    const x = Math.round((c * width) / cols) + 0.5;
    context.moveTo(x, 0);
    context.lineTo(x, height);
  }
  for (let r = 1; r < rows; r++) {
    const y = Math.round((r * height) / rows) + 0.5;
    context.moveTo(0, y);
    context.lineTo(width, y);
  }
  context.stroke();
}

/** Returns the aspect ratio (height / width) a screenshot is drawn at. */
export function aspectOf(shown: ShownImage): number {
  if (shown.size !== undefined) return shown.size[1] / shown.size[0];
  return shown.grid[0] / shown.grid[1];
}

/**
 * Draws a screenshot with its token grid: dropped tokens dimmed, kept tokens tinted
 * green (partly, when only some cache heads keep them), and the target boxes outlined.
 * Without pixels (a capture) the grid is drawn on a plain background.
 *
 * @param share `[tokens]` share of cache heads that keep each token, see `keptShare`
 * @param cssWidth width of the canvas on the page, in CSS pixels
 */
export function drawOverlay(canvas: HTMLCanvasElement, shown: ShownImage, share: Float32Array | undefined, cssWidth: number): void {
  const ratio = window.devicePixelRatio || 1;
  const cssHeight = Math.round(cssWidth * aspectOf(shown));
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${cssHeight}px`;
  canvas.width = Math.max(1, Math.round(cssWidth * ratio));
  canvas.height = Math.max(1, Math.round(cssHeight * ratio));
  const context = canvas.getContext("2d");
  if (context === null) return;
  const { width, height } = canvas;

  const redraw = (): void => drawOverlay(canvas, shown, share, cssWidth);
  const pixels = shown.url === undefined ? undefined : screenshot(shown.url, redraw);
  if (pixels?.complete === true && pixels.naturalWidth > 0) context.drawImage(pixels, 0, 0, width, height);
  else {
    context.fillStyle = "#cbd5e1";
    context.fillRect(0, 0, width, height);
  }

  if (share !== undefined) {
    for (let i = 0; i < share.length; i++) {
      const cell = cellRect(i, shown.grid, width, height);
      const kept = share[i]!;
      if (kept < 1) {
        context.globalAlpha = 1 - kept;
        context.fillStyle = overlayColors.dropped;
        context.fillRect(cell.x, cell.y, cell.width, cell.height);
      }
      if (kept > 0) {
        context.globalAlpha = kept;
        context.fillStyle = overlayColors.kept;
        context.fillRect(cell.x, cell.y, cell.width, cell.height);
      }
    }
    context.globalAlpha = 1;
    drawGrid(context, shown.grid, width, height);
  }

  if (shown.size !== undefined) {
    context.strokeStyle = overlayColors.target;
    context.lineWidth = Math.max(2, 2 * ratio);
    for (const box of shown.targets) {
      const rect = boxRect(box, shown.size, width, height);
      context.strokeRect(rect.x, rect.y, Math.max(rect.width, 2), Math.max(rect.height, 2));
    }
  }
}
