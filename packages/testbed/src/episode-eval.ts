import type { Method } from "@starkv/baselines";
import { type LayerInput, Session } from "@starkv/core";
import { decodeAnswer, type LayerCache } from "./decode.js";
import { fullCache } from "./full-cache.js";
import type { TestbedModel } from "./model-weights.js";
import { prefill } from "./prefill.js";
import { buildPrompt, type Prompt, type PromptScreen } from "./prompt.js";
import type { PixelBox } from "./render-screens.js";
import type { TaskKind } from "./tasks.js";
import { tokenize } from "./vocabulary.js";

/** An episode ready to run: its screenshots, instruction and the target's box on the current screen. */
export interface PreparedEpisode {
  readonly kind: TaskKind;
  /** Oldest first; the last is the current screen. */
  readonly screens: readonly PromptScreen[];
  readonly instruction: string;
  /** The target element's box in pixels on the current screen. */
  readonly target: PixelBox;
  /** Clickable elements on the current screen. */
  readonly elements: number;
}

/** A click: the pointed patch's centre, in pixels of the screenshot it belongs to. */
export interface Click {
  readonly x: number;
  readonly y: number;
  /** Index of the screenshot the pointed patch belongs to (the click lands on the current screen, whose layout is the same). */
  readonly screen: number;
}

/** Turns a pointed prompt position into a click at its patch's centre, or null when the position is not a patch. */
export function clickAt(prompt: Prompt, position: number, patch: number): Click | null {
  const screen = prompt.spans.findIndex((span) => position >= span.start && position < span.end);
  if (screen < 0) return null;
  const span = prompt.spans[screen]!;
  const offset = position - span.start;
  const columns = span.grid[1];
  return { x: (offset % columns) * patch + patch / 2, y: Math.floor(offset / columns) * patch + patch / 2, screen };
}

/** Tells whether a click lands inside a box. */
export function hits(click: Click | null, box: PixelBox): boolean {
  return click !== null && click.x >= box[0] && click.x < box[0] + box[2] && click.y >= box[1] && click.y < box[1] + box[3];
}

/** Returns the share of the screen a uniformly random click hits: the target's area over the screen's. */
export function chanceOf(episode: PreparedEpisode): number {
  const screen = episode.screens.at(-1)!;
  return (episode.target[2] * episode.target[3]) / (screen.width * screen.height);
}

/** Returns the accuracy of clicking a uniformly random element of the current screen. */
export function elementChanceOf(episode: PreparedEpisode): number {
  return 1 / episode.elements;
}

/** A prefill of an episode, computed once and shared by every method. */
export interface EpisodeRun {
  readonly prompt: Prompt;
  readonly layers: readonly LayerInput[];
}

/** Lays out and prefills an episode with the full cache. */
export function runPrefill(model: TestbedModel, episode: PreparedEpisode, window: number): EpisodeRun {
  const prompt = buildPrompt(episode.screens, tokenize(episode.instruction), model.config.patch);
  return { prompt, layers: prefill(model, prompt, window) };
}

/** Decodes `<ans>` on the given caches and scores the click. */
export function answerWith(model: TestbedModel, run: EpisodeRun, episode: PreparedEpisode, caches: readonly LayerCache[]): { click: Click | null; correct: boolean } {
  const { prompt } = run;
  const pointed = decodeAnswer(model, caches, prompt.answerPosition, (p) => prompt.patchOf[p]! >= 0);
  const click = pointed.best < 0 ? null : clickAt(prompt, pointed.best, model.config.patch);
  return { click, correct: hits(click, episode.target) };
}

/** Compresses every layer of the prefill with `method` (a fresh session), then decodes `<ans>` on the result. */
export function answerWithMethod(model: TestbedModel, run: EpisodeRun, episode: PreparedEpisode, method: Method): { click: Click | null; correct: boolean } {
  const inputs = new Map(run.layers.map((layer, index) => [index, layer]));
  const step = method.compressStep(new Session(), inputs, { layerCount: run.layers.length });
  const caches = run.layers.map((_, index) => step.layers.get(index)!);
  return answerWith(model, run, episode, caches);
}

/**
 * Builds the ablation the history tasks are checked against: every layer keeps all text
 * tokens and the current screenshot, and drops every earlier screenshot.
 */
export function withoutHistory(run: EpisodeRun): LayerCache[] {
  const current = run.prompt.spans.at(-1)!;
  const earlier = run.prompt.spans.slice(0, -1);
  const keep = Array.from(run.prompt.tokens.keys()).filter((p) => p >= current.start || !earlier.some((span) => p >= span.start && p < span.end));
  return run.layers.map((layer) => {
    const full = fullCache(layer);
    const headDim = layer.keys.shape[2]!;
    const pick = (data: Float32Array): Float32Array => {
      const rows = new Float32Array(keep.length * headDim);
      keep.forEach((p, i) => rows.set(data.subarray(p * headDim, (p + 1) * headDim), i * headDim));
      return rows;
    };
    return {
      queryHeadsPerCacheHead: full.queryHeadsPerCacheHead,
      heads: full.heads.map((head) => ({ keys: { data: pick(head.keys.data) }, values: { data: pick(head.values.data) }, positions: Int32Array.from(keep) })),
    };
  });
}
