import { keptHash } from "./kept-hash.js";
import { usesBackend } from "./method-run.js";
import { keptShare, summarizeKept } from "./overlay-cells.js";
import { drawOverlay } from "./overlay-view.js";
import type { LayerView, MethodView, ShownStep } from "./protocol.js";

/** Contents of one side of the comparison. */
export interface PaneInput {
  readonly side: "left" | "right";
  readonly step: ShownStep;
  readonly layer: number;
  /** The method's result, or null while it is computed. */
  readonly view: MethodView | null;
  /** Shown while the result is missing. */
  readonly waiting: string;
}

function text(tag: string, className: string, content: string): HTMLElement {
  const element = document.createElement(tag);
  element.className = className;
  element.textContent = content;
  return element;
}

const integer = (value: number): string => Math.round(value).toLocaleString("en-US");

function summaryLine(layerView: LayerView, step: ShownStep): { kept: string; detail: string } {
  const summary = summarizeKept(layerView.headPositions, layerView.seqLen, step.images);
  const heads = layerView.headPositions.length;
  const perHead = layerView.layout === "shared" ? "" : `, mean over ${heads} cache heads`;
  const kept = `kept ${integer(summary.keptMean)} of ${integer(summary.seqLen)} tokens (${summary.percent.toFixed(1)} %${perHead})`;
  const coverage = summary.targetCoverage === null ? "no target box on the current screenshot" : `target tokens kept: ${(100 * summary.targetCoverage).toFixed(0)} %`;
  return { kept, detail: `capacity ${integer(layerView.capacity)}; ${coverage}` };
}

/**
 * Fills one side of the comparison: the summary of the chosen layer, the history
 * screenshots (oldest first) and the current one with the kept-token overlay, and the
 * backend, time, kept-set hash and notes of the result.
 */
export function renderPane(container: HTMLElement, input: PaneInput): void {
  const body = container.querySelector<HTMLElement>(".pane-body")!;
  body.replaceChildren();
  const layerView = input.view?.layers.find((layer) => layer.layer === input.layer);
  container.dataset["keptPositions"] = layerView === undefined ? "" : layerView.headPositions.map((positions) => Array.from(positions).join(",")).join(";");

  const summary = layerView === undefined ? undefined : summaryLine(layerView, input.step);
  const keptLine = text("p", "kept", summary?.kept ?? input.waiting);
  keptLine.dataset["testid"] = `kept-${input.side}`;
  body.append(keptLine, text("p", "detail", summary?.detail ?? ""));

  const images = input.step.images;
  const strip = document.createElement("div");
  strip.className = "history";
  const paneWidth = Math.max(240, body.clientWidth || container.clientWidth - 24);
  const history = images.slice(0, -1);
  const thumbWidth = history.length === 0 ? 0 : Math.floor((paneWidth - 8 * (history.length - 1)) / Math.max(history.length, 4));
  const drawInto = (parent: HTMLElement, index: number, width: number, caption: string): void => {
    const shown = images[index]!;
    const figure = document.createElement("figure");
    figure.className = index === images.length - 1 ? "shot current" : "shot";
    const canvas = document.createElement("canvas");
    canvas.dataset["testid"] = `overlay-${input.side}-${index}`;
    const share = layerView === undefined ? undefined : keptShare(shown.span, layerView.headPositions);
    drawOverlay(canvas, shown, share, width);
    const keptCount = share === undefined ? undefined : share.reduce((count, value) => count + (value > 0 ? 1 : 0), 0);
    const tokens = shown.span[1] - shown.span[0];
    // With per-head caches a token counts when any head keeps it; the headline gives the mean per head.
    const someHeads = share?.some((value) => value > 0 && value < 1) === true;
    const keptText = keptCount === undefined ? "" : ` · ${((100 * keptCount) / tokens).toFixed(0)} % kept${someHeads ? " by some head" : ""}`;
    figure.append(canvas, text("figcaption", "", `${caption}${keptText}`));
    figure.title = `${shown.label}: ${shown.grid[0]}×${shown.grid[1]} tokens, positions ${shown.span[0]}–${shown.span[1] - 1}`;
    parent.append(figure);
  };
  history.forEach((_, i) => drawInto(strip, i, thumbWidth, `t−${history.length - i}`));
  if (history.length > 0) body.append(strip);
  drawInto(body, images.length - 1, paneWidth, `current screenshot, ${images.at(-1)!.label}`);

  if (input.view !== null && layerView !== undefined) {
    const backend = usesBackend(input.view.method)
      ? `window scores on ${layerView.backend ?? "no backend"}`
      : `${input.view.method} computes its own scores in TypeScript${layerView.backend === undefined ? "" : ` (${layerView.backend})`}, whichever backend is picked`;
    const facts = text("p", "facts", `${backend} · compression ${input.view.milliseconds.toFixed(0)} ms for ${input.view.layers.length} layers · kept-set hash `);
    const hash = text("code", "hash", keptHash(input.view.layers));
    hash.dataset["testid"] = `hash-${input.side}`;
    hash.title = "FNV-1a hash of the kept positions of every head of every layer: equal hashes mean identical kept sets";
    facts.append(hash);
    body.append(facts);
    const notes = [...new Set([...input.view.notes, ...layerView.notes])];
    if (notes.length > 0) {
      const list = document.createElement("ul");
      list.className = "notes";
      for (const note of notes) list.append(text("li", "", note));
      body.append(list);
    }
  }
}
