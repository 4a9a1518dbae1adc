import { type ImageSpan, type LayerInput, type Tensor, tensor } from "@starkv/core";

/** UI-TARS-1.5-7B attention shapes (Qwen2.5-VL-7B text decoder). */
export const model = Object.freeze({ heads: 28, kvHeads: 4, headDim: 128, hidden: 3584, layers: 28 });

/** Compression settings of every case: the authors' reproduction settings. */
export const settings = Object.freeze({ window: 8, kernel: 5, budgetPercent: 20 });

/** Tokens of the system prompt before the first screenshot. */
const systemTokens = 15;

/** One benchmark case: a prefill of `seqLen` tokens holding `screenshots` screenshots. */
export interface BenchCase {
  readonly name: string;
  readonly seqLen: number;
  readonly screenshots: number;
  readonly screenshotTokens: number;
  /** Layers compressed per timed run: 1 for one layer, 28 for a whole model step. */
  readonly layers: number;
}

/** The cases, in the order they run; the names match `tools/bench-reference`. */
export const benchCases: readonly BenchCase[] = Object.freeze([
  { name: "layer-4096-1x2691", seqLen: 4096, screenshots: 1, screenshotTokens: 2691, layers: 1 },
  { name: "layer-4096-5x702", seqLen: 4096, screenshots: 5, screenshotTokens: 702, layers: 1 },
  { name: "layer-16384-1x16000", seqLen: 16384, screenshots: 1, screenshotTokens: 16000, layers: 1 },
  { name: "layer-16384-5x2691", seqLen: 16384, screenshots: 5, screenshotTokens: 2691, layers: 1 },
  { name: "step28-16384-1x16000", seqLen: 16384, screenshots: 1, screenshotTokens: 16000, layers: model.layers },
]);

/**
 * Places `count` screenshots of `length` tokens after a 15-token system prompt, with equal
 * runs of text tokens after each, leaving the observation window at the end.
 *
 * @throws RangeError when they do not fit
 */
export function screenshotSpans(seqLen: number, count: number, length: number, window: number = settings.window): ImageSpan[] {
  const free = seqLen - window - systemTokens - count * length;
  if (free < 0) throw new RangeError(`screenshotSpans(): ${count} screenshots of ${length} tokens do not fit into ${seqLen} tokens`);
  const gap = Math.floor(free / count);
  const spans: ImageSpan[] = [];
  let start = systemTokens;
  for (let i = 0; i < count; i++) {
    spans.push({ start, end: start + length });
    start += length + gap;
  }
  return spans;
}

/** Returns a seeded generator of uniform numbers in [−1, 1) (32-bit linear congruential). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32) * 2 - 1;
  };
}

function randomTensor(random: () => number, shape: number[]): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = random();
  return tensor(data, shape);
}

/**
 * Builds the inputs of one layer of a case from seeded uniform values in [−1, 1): queries
 * of the window rows, keys and values at KV-head width, and full hidden states
 * `[seqLen, 3584]`. The boost computes the norms of the hidden states, as the reference
 * does.
 */
export function caseInputs(benchCase: BenchCase, seed = 1): LayerInput {
  const random = createRandom(seed);
  const { heads, kvHeads, headDim, hidden } = model;
  const { seqLen } = benchCase;
  return {
    queries: randomTensor(random, [heads, settings.window, headDim]),
    keys: randomTensor(random, [kvHeads, seqLen, headDim]),
    values: randomTensor(random, [kvHeads, seqLen, headDim]),
    hidden: randomTensor(random, [seqLen, hidden]),
    spans: screenshotSpans(seqLen, benchCase.screenshots, benchCase.screenshotTokens),
  };
}
