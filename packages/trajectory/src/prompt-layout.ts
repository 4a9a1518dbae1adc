import { boxTokens, type CaptureImage, imageGrid } from "@starkv/capture/browser";
import type { AgentTrajectory } from "./agentnetbench.js";

/** A screenshot in a step's prompt, with the token positions of its target boxes. */
export interface LayoutImage extends CaptureImage {
  /** Ascending token positions covered by the target boxes. */
  readonly targetTokens: Int32Array;
  /** Screenshot file name. */
  readonly file: string;
}

/** A contiguous run of prompt tokens. */
export interface PromptSegment {
  readonly kind: "text" | "image";
  readonly start: number;
  readonly end: number;
  readonly label: string;
}

/** The prompt of one step, as positions: its length, screenshots and segments. */
export interface StepLayout {
  /** Index of the step in the trajectory. */
  readonly step: number;
  readonly seqLen: number;
  /** Screenshots in the prompt, oldest first; the last one is the current screen. */
  readonly images: readonly LayoutImage[];
  readonly segments: readonly PromptSegment[];
}

/** Options of `layoutTrajectory`. */
export interface LayoutOptions {
  /** Previous screenshots kept in the prompt (UI-TARS on AgentNetBench: 4). */
  readonly historyImages?: number;
  /** Previous steps whose text summaries stay in the prompt (10). */
  readonly historyTexts?: number;
  /** `max_pixels` of the image processor (Qwen2.5-VL default 12,845,056). */
  readonly maxPixels?: number;
  /** Counts the tokens of a text; the default estimates one token per 4 characters. */
  readonly countTokens?: (text: string) => number;
}

/**
 * Estimates the tokens of an English text at one per 4 characters.
 * NOTE: an estimate. The Qwen2 tokenizer is not available, so text lengths can differ
 * from the real prompt by a few tokens; image spans are exact.
 */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

const systemText =
  "You are a GUI agent. You see the task, the history of your previous actions and the most recent screenshots, " +
  "and you output the next action as a thought and one action call: click(x, y), type(text), hotkey(keys), scroll(direction) or finished().";

/**
 * Lays out every step of a trajectory as a chat prompt the way UI-TARS-1.5-7B reads it
 * on AgentNetBench: the system message, the task, the text summaries of up to
 * `historyTexts` previous steps, the last `historyImages` previous screenshots each
 * followed by that step's answer, then the current screenshot and a short request.
 * Each screenshot is `<|vision_start|>`, its image-pad tokens, `<|vision_end|>`; the
 * spans cover the image-pad tokens exactly, with grids from Qwen2.5-VL's `smart_resize`.
 * The prompt always ends with at least 8 text tokens, so the observation window holds
 * no image token.
 *
 * @param sizes `[width, height]` of each screenshot file, in pixels
 */
export function layoutTrajectory(trajectory: AgentTrajectory, sizes: ReadonlyMap<string, readonly [number, number]>, options: LayoutOptions = {}): StepLayout[] {
  const historyImages = options.historyImages ?? 4;
  const historyTexts = options.historyTexts ?? 10;
  const count = options.countTokens ?? estimateTokens;
  const gridOptions = options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels };

  return trajectory.steps.map((current, t) => {
    const segments: PromptSegment[] = [];
    const images: LayoutImage[] = [];
    let position = 0;
    const text = (label: string, tokens: number): void => {
      segments.push({ kind: "text", start: position, end: position + tokens, label });
      position += tokens;
    };
    const image = (index: number): void => {
      const step = trajectory.steps[index]!;
      const size = sizes.get(step.image);
      if (size === undefined) throw new RangeError(`layoutTrajectory(): no size for screenshot ${step.image}; pass [width, height] for every step's image`);
      const [width, height] = size;
      const layout = imageGrid(height, width, gridOptions);
      text("<|vision_start|>", 1);
      const start = position;
      const end = start + layout.tokens;
      segments.push({ kind: "image", start, end, label: step.image });
      position = end;
      text("<|vision_end|>", 1);
      const targetTokens = mergeSorted(step.targets.map((box) => boxTokens([box[0], box[1], box[2], box[3]], [width, height], layout.grid, start)));
      images.push({
        step: index,
        span: [start, end],
        grid: layout.grid,
        size: [width, height],
        resized: layout.resized,
        targets: step.targets.map((box) => [box[0], box[1], box[2], box[3]]),
        targetTokens,
        file: step.image,
      });
    };

    text("system message", 5 + count(systemText));
    text("task", 3 + count(`Task: ${trajectory.task}`));
    const firstImage = Math.max(0, t - historyImages);
    const firstText = Math.max(0, t - historyTexts);
    for (let i = firstText; i < firstImage; i++) text(`step ${i} summary`, count(`Step ${i + 1}: ${summary(trajectory, i)}`));
    for (let i = firstImage; i < t; i++) {
      text(`step ${i} user turn`, 3);
      image(i);
      text(`step ${i} answer`, 8 + count(summary(trajectory, i)));
    }
    text(`step ${t} user turn`, 3);
    image(t);
    text(`step ${t} request`, 5 + count("What is the next action?"));
    return { step: t, seqLen: position, images, segments };
  });
}

function summary(trajectory: AgentTrajectory, index: number): string {
  const step = trajectory.steps[index]!;
  return `Thought: ${step.instruction} Action: ${step.action}`;
}

function mergeSorted(lists: readonly Int32Array[]): Int32Array {
  const all = new Set<number>();
  for (const list of lists) for (const position of list) all.add(position);
  return Int32Array.from([...all].sort((a, b) => a - b));
}
