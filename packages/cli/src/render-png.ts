import { writeFileSync } from "node:fs";

/**
 * Renders an SVG document to a PNG file with resvg, using the system's fonts (install
 * DejaVu, Debian's `fonts-dejavu-core`, for text).
 */
export async function renderPng(svg: string, path: string): Promise<void> {
  const { Resvg } = await import("@resvg/resvg-js");
  const png = new Resvg(svg, { background: "white", font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" }, fitTo: { mode: "zoom", value: 2 } }).render().asPng();
  writeFileSync(path, png);
}
