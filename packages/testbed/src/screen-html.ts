import { type CellRect, patchSize, type ScreenLayout, screenSize } from "./screen-grammar.js";
import { colours } from "./vocabulary.js";

const clipPaths = {
  square: "none",
  circle: "circle(50% at 50% 50%)",
  triangle: "polygon(50% 0, 100% 100%, 0 100%)",
  diamond: "polygon(50% 0, 100% 50%, 50% 100%, 0 50%)",
} as const;

function box(rect: CellRect): string {
  return `left:${rect.column * patchSize}px;top:${rect.row * patchSize}px;width:${rect.columns * patchSize}px;height:${rect.rows * patchSize}px`;
}

/**
 * Writes a layout as a self-contained HTML page of `screenSize` pixels square, every
 * element absolutely placed on the cell grid and tagged `data-element="ID"` so its box can
 * be read back from the DOM. `selected` is the id drawn as selected (a blue fill and a
 * dark frame), or -1 for none.
 */
export function layoutHtml(layout: ScreenLayout, selected: number): string {
  const parts: string[] = [];
  for (const decoration of layout.decorations) {
    const style = decoration.kind === "rule" ? `${box({ ...decoration.rect, rows: 1 })};height:3px;margin-top:12px` : box(decoration.rect);
    parts.push(`<div style="position:absolute;${style};background:${decoration.shade}"></div>`);
  }
  for (const element of layout.elements) {
    const frame = element.id === selected ? "background:#90caf9;box-shadow:inset 0 0 0 3px #0d47a1;" : "";
    if (element.kind === "shape") {
      parts.push(
        `<div data-element="${element.id}" style="position:absolute;${box(element.rect)};${frame}">` +
          `<div style="position:absolute;inset:7px;background:${colours[element.colour]};clip-path:${clipPaths[element.shape]}"></div></div>`,
      );
    } else {
      const face = element.id === selected ? frame : "background:#e0e0e0;box-shadow:inset 0 0 0 1px #9e9e9e;";
      const label = element.label[0]!.toUpperCase() + element.label.slice(1);
      parts.push(
        `<div data-element="${element.id}" style="position:absolute;${box(element.rect)};${face}border-radius:4px;` +
          `font:bold 15px 'DejaVu Sans',sans-serif;color:#111;display:flex;align-items:center;justify-content:center">${label}</div>`,
      );
    }
  }
  return (
    `<!doctype html><html><head><meta charset="utf-8"><style>html,body{margin:0;width:${screenSize}px;height:${screenSize}px;overflow:hidden}</style></head>` +
    `<body style="position:relative;background:${layout.background}">${parts.join("")}</body></html>`
  );
}
