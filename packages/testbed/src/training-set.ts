import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { mixSeed, SeededRandom } from "@starkv/trajectory";
import { renderScreens, type ScreenRequest } from "./render-screens.js";
import { drawLayout, gridSize, type LayoutSize, patchSize, sample, type ScreenElement } from "./screen-grammar.js";
import { historyInstruction, screenQueries } from "./tasks.js";
import { tokenize, vocabulary } from "./vocabulary.js";

/** Options of `writeTrainingSet`. */
export interface TrainingSetOptions {
  readonly layouts: number;
  readonly seed: number;
  /** Screens rendered per layout: one with nothing selected, the rest each with one selected element. */
  readonly screensPerLayout: number;
  readonly size: LayoutSize;
  readonly onScreen?: (done: number, total: number) => void;
}

/**
 * Renders a training set for `tools/testbed/train.py` into `dir`: `screens.u8` contains every
 * screen as `[screen, height, width, 3]` RGB bytes, `dataset.json` the vocabulary, the
 * grid, and per layout its screens, the element selected on each, the element boxes
 * (pixels, from the DOM) and every single-screen query with its tokens. History queries
 * are composed by the trainer from `historyTokens`.
 */
export async function writeTrainingSet(dir: string, options: TrainingSetOptions): Promise<{ screens: number; queries: number }> {
  mkdirSync(dir, { recursive: true });
  const requests: ScreenRequest[] = [];
  const records: { screens: number[]; selected: number[]; elements: readonly ScreenElement[]; queries: object[] }[] = [];
  let queries = 0;
  for (let index = 0; index < options.layouts; index++) {
    const random = new SeededRandom(mixSeed(options.seed, index));
    const layout = drawLayout(random, options.size);
    const picks = sample(random, layout.elements.map((element) => element.id), options.screensPerLayout - 1);
    const selected = [-1, ...picks];
    const first = requests.length;
    for (const id of selected) requests.push({ layout, selected: id });
    const layoutQueries = screenQueries(layout).map((query) => ({ kind: query.kind, tokens: tokenize(query.instruction), target: query.target }));
    queries += layoutQueries.length;
    records.push({ screens: selected.map((_, i) => first + i), selected, elements: layout.elements, queries: layoutQueries });
  }
  const rendered = await renderScreens(requests, (done) => options.onScreen?.(done, requests.length));
  const file = openSync(join(dir, "screens.u8"), "w");
  try {
    for (const screen of rendered) writeSync(file, screen.pixels);
  } finally {
    closeSync(file);
  }
  const dataset = {
    vocabulary,
    patchSize,
    gridSize,
    screens: rendered.length,
    historyTokens: { 1: tokenize(historyInstruction(1)), 2: tokenize(historyInstruction(2)) },
    layouts: records.map((record) => ({ ...record, boxes: rendered[record.screens[0]!]!.boxes })),
  };
  writeFileSync(join(dir, "dataset.json"), JSON.stringify(dataset));
  return { screens: rendered.length, queries };
}
