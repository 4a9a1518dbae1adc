import { bands, finiteExtent, formatTick, linearScale, niceDomain, ticks, tickStep } from "./chart-scale.js";

const svgNs = "http://www.w3.org/2000/svg";

/** One data series of a chart. */
export interface Series {
  readonly name: string;
  readonly color: string;
  /** One value per category (bar charts) or per x value (line charts); null leaves a gap. */
  readonly values: readonly (number | null)[];
  readonly dashed?: boolean;
}

/** Axis labels and size of a chart. */
export interface ChartOptions {
  readonly yLabel: string;
  readonly xLabel?: string;
  /** Fixed y domain; computed from the data when omitted. */
  readonly yDomain?: readonly [number, number];
  /** Formats a y tick; defaults to as many decimals as the tick step needs. */
  readonly formatY?: (value: number, step: number) => string;
  /** Formats an exact value for the tooltips; defaults to 4 significant digits. */
  readonly formatValue?: (value: number) => string;
  readonly width?: number;
  readonly height?: number;
}

const margin = { left: 48, right: 12, top: 10, bottom: 38 };

function svgElement<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const element = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

function frame(options: ChartOptions): { svg: SVGSVGElement; width: number; height: number; plot: { x0: number; x1: number; y0: number; y1: number } } {
  const width = options.width ?? 360;
  const height = options.height ?? 210;
  const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img" });
  return { svg, width, height, plot: { x0: margin.left, x1: width - margin.right, y0: height - margin.bottom, y1: margin.top } };
}

function yAxis(svg: SVGSVGElement, plot: { x0: number; x1: number; y0: number; y1: number }, domain: readonly [number, number], options: ChartOptions): (value: number) => number {
  const y = linearScale(domain, [plot.y0, plot.y1]);
  const step = tickStep(domain[0], domain[1], 4);
  const format = options.formatY ?? formatTick;
  for (const tick of ticks(domain[0], domain[1], 4)) {
    svg.append(svgElement("line", { x1: plot.x0, x2: plot.x1, y1: y(tick), y2: y(tick), class: "grid-line" }));
    svg.append(svgElement("text", { x: plot.x0 - 6, y: y(tick) + 4, "text-anchor": "end", class: "tick" }, format(tick, step)));
  }
  const middle = (plot.y0 + plot.y1) / 2;
  svg.append(svgElement("text", { x: 12, y: middle, transform: `rotate(-90 12 ${middle})`, "text-anchor": "middle", class: "axis-label" }, options.yLabel));
  return y;
}

function xLabel(svg: SVGSVGElement, plot: { x0: number; x1: number }, height: number, label: string | undefined): void {
  if (label !== undefined) svg.append(svgElement("text", { x: (plot.x0 + plot.x1) / 2, y: height - 4, "text-anchor": "middle", class: "axis-label" }, label));
}

/** Returns the y domain of the series' values, widened to whole ticks (and to include 0 for bars). */
function domainOf(series: readonly Series[], options: ChartOptions, includeZero: boolean): readonly [number, number] | undefined {
  if (options.yDomain !== undefined) return options.yDomain;
  const extent = finiteExtent(series.flatMap((s) => s.values));
  if (extent === undefined) return undefined;
  const low = includeZero ? Math.min(0, extent[0]) : extent[0];
  const high = includeZero ? Math.max(0, extent[1]) : extent[1];
  return niceDomain(low, high, 4);
}

function emptyNote(svg: SVGSVGElement, width: number, height: number, text: string): SVGSVGElement {
  svg.append(svgElement("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "empty" }, text));
  return svg;
}

/**
 * Draws grouped bars: one group per category, one bar per series. Each bar has a
 * `<title>` with its exact value.
 *
 * @param empty text shown when no series has a finite value
 */
export function barChart(categories: readonly string[], series: readonly Series[], options: ChartOptions, empty = "no data yet"): SVGSVGElement {
  const { svg, width, height, plot } = frame(options);
  const domain = domainOf(series, options, true);
  if (domain === undefined || categories.length === 0) return emptyNote(svg, width, height, empty);
  const y = yAxis(svg, plot, domain, options);
  const groups = bands(categories.length, [plot.x0, plot.x1], 0.25);
  const exact = options.formatValue ?? ((value: number) => value.toPrecision(4));
  for (const [i, group] of groups.entries()) {
    const bars = bands(series.length, [group.start, group.start + group.width], 0.1);
    for (const [j, s] of series.entries()) {
      const value = s.values[i];
      if (typeof value !== "number" || !Number.isFinite(value)) continue;
      const top = Math.min(y(value), y(0));
      const rect = svgElement("rect", { x: bars[j]!.start, y: top, width: Math.max(1, bars[j]!.width), height: Math.max(1, Math.abs(y(value) - y(0))), fill: s.color });
      rect.append(svgElement("title", {}, `${s.name}, ${categories[i]}: ${exact(value)}`));
      svg.append(rect);
    }
    svg.append(svgElement("text", { x: group.start + group.width / 2, y: plot.y0 + 14, "text-anchor": "middle", class: "tick" }, categories[i]));
  }
  xLabel(svg, plot, height, options.xLabel);
  return svg;
}

/**
 * Draws one line per series over numeric x values, with a dot at every value and gaps
 * at nulls. `marker` draws a vertical line at that x (the current step or budget).
 */
export function lineChart(xs: readonly number[], series: readonly Series[], options: ChartOptions & { readonly marker?: number; readonly formatX?: (value: number) => string }, empty = "no data yet"): SVGSVGElement {
  const { svg, width, height, plot } = frame(options);
  const domain = domainOf(series, options, false);
  const xExtent = finiteExtent(xs);
  if (domain === undefined || xExtent === undefined) return emptyNote(svg, width, height, empty);
  const y = yAxis(svg, plot, domain, options);
  const x = linearScale(xExtent, [plot.x0 + 8, plot.x1 - 8]);
  for (const value of xs) {
    svg.append(svgElement("text", { x: x(value), y: plot.y0 + 14, "text-anchor": "middle", class: "tick" }, options.formatX?.(value) ?? String(value)));
  }
  if (options.marker !== undefined && options.marker >= xExtent[0] && options.marker <= xExtent[1]) {
    svg.append(svgElement("line", { x1: x(options.marker), x2: x(options.marker), y1: plot.y0, y2: plot.y1, class: "marker" }));
  }
  for (const s of series) {
    let path = "";
    let pen = false;
    for (const [i, value] of s.values.entries()) {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        pen = false;
        continue;
      }
      path += `${pen ? "L" : "M"}${x(xs[i]!).toFixed(1)},${y(value).toFixed(1)}`;
      pen = true;
      const dot = svgElement("circle", { cx: x(xs[i]!), cy: y(value), r: 2.5, fill: s.color });
      dot.append(svgElement("title", {}, `${s.name} at ${options.formatX?.(xs[i]!) ?? xs[i]}: ${(options.formatValue ?? ((v: number) => v.toPrecision(4)))(value)}`));
      svg.append(dot);
    }
    if (path !== "") svg.append(svgElement("path", { d: path, fill: "none", stroke: s.color, "stroke-width": 2, ...(s.dashed === true ? { "stroke-dasharray": "5 3" } : {}) }));
  }
  xLabel(svg, plot, height, options.xLabel);
  return svg;
}

/** Builds a legend: one swatch and name per series. */
export function legend(series: readonly Pick<Series, "name" | "color" | "dashed">[]): HTMLElement {
  const list = document.createElement("ul");
  list.className = "legend";
  for (const s of series) {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = s.dashed === true ? "swatch dashed" : "swatch";
    swatch.style.setProperty("--swatch", s.color);
    item.append(swatch, document.createTextNode(s.name));
    list.append(item);
  }
  return list;
}
