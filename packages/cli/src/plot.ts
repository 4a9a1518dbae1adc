/** One line of a chart: a method's metric at each budget. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

const palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"];

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function niceTicks(min: number, max: number, count: number): number[] {
  const span = max - min || 1;
  const step = 10 ** Math.floor(Math.log10(span / count));
  const multiple = [1, 2, 2.5, 5, 10].find((m) => span / (m * step) <= count) ?? 10;
  const size = multiple * step;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / size) * size; t <= max + size * 1e-9; t += size) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/**
 * Draws a line chart of `series` as a standalone SVG document: x is the budget (percent),
 * y the metric; one coloured line with markers per method and a legend on the right.
 */
export function lineChartSvg(title: string, xLabel: string, yLabel: string, series: readonly Series[]): string {
  const width = 760;
  const height = 420;
  const left = 70;
  const right = 190;
  const top = 40;
  const bottom = 55;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  let yMin = Math.min(0, ...ys);
  let yMax = Math.max(...ys);
  if (yMax - yMin < 1e-9) {
    yMax += 0.5;
    yMin -= 0.5;
  }
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const x = (v: number): number => left + (xMax === xMin ? plotWidth / 2 : ((v - xMin) / (xMax - xMin)) * plotWidth);
  const y = (v: number): number => top + plotHeight - ((v - yMin) / (yMax - yMin)) * plotHeight;

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${width / 2 - right / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);
  for (const tick of niceTicks(yMin, yMax, 6)) {
    parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${left - 8}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${tick}</text>`);
  }
  for (const tick of [...new Set(xs)].sort((a, b) => a - b)) {
    parts.push(`<line x1="${x(tick).toFixed(1)}" x2="${x(tick).toFixed(1)}" y1="${top + plotHeight}" y2="${top + plotHeight + 5}" stroke="black"/>`);
    parts.push(`<text x="${x(tick).toFixed(1)}" y="${top + plotHeight + 19}" text-anchor="middle">${tick}</text>`);
  }
  parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="black"/>`);
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}" stroke="black"/>`);
  parts.push(`<text x="${left + plotWidth / 2}" y="${height - 12}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  parts.push(`<text transform="translate(18 ${top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`);
  series.forEach((s, i) => {
    const colour = palette[i % palette.length]!;
    const points = s.points.filter((p) => Number.isFinite(p[1]));
    if (points.length > 1) parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ")}"/>`);
    for (const p of points) parts.push(`<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3.5" fill="${colour}"/>`);
    const legendY = top + 10 + i * 20;
    parts.push(`<line x1="${width - right + 20}" x2="${width - right + 44}" y1="${legendY}" y2="${legendY}" stroke="${colour}" stroke-width="3"/>`);
    parts.push(`<text x="${width - right + 50}" y="${legendY + 4}">${escapeXml(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}
