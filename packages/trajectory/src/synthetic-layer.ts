import { type Tensor, tensor } from "@starkv/core";
import type { StepLayout } from "./prompt-layout.js";
import { mixSeed, SeededRandom } from "./random.js";

/** Head layout of the synthetic model. */
export interface SyntheticShape {
  readonly queryHeads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** Query rows to generate (the observation window). */
  readonly window: number;
}

/** Tensors of one synthetic layer, in the layouts the compressor takes. */
export interface SyntheticLayer {
  /** `[queryHeads, window, headDim]`. */
  readonly queries: Tensor;
  /** `[kvHeads, seqLen, headDim]`. */
  readonly keys: Tensor;
  readonly values: Tensor;
  /** `[seqLen]` hidden-state norms. */
  readonly hidden: Tensor;
  /** `[queryHeads, 4, headDim]` held-out queries: the next tokens' queries, drawn like the window's. */
  readonly evalQueries: Tensor;
}

/** UI-TARS-1.5-7B's attention shape: 28 query heads over 4 KV heads of 128. */
export const uiTarsShape: SyntheticShape = Object.freeze({ queryHeads: 28, kvHeads: 4, headDim: 128, window: 8 });

/**
 * Generates seeded synthetic attention inputs for one layer of one step. They are not a
 * real model's tensors; their structure is built so that compression has something to
 * find:
 *
 * - keys are unit Gaussian noise; each screenshot's tokens add a smooth 2-D field over
 *   its real grid (three random cosines, one direction per KV head and screenshot), so
 *   neighbouring tokens look alike, and the tokens of the step's target boxes add a
 *   per-KV-head "target" direction; the first token is an attention sink;
 * - each query head mixes its group's target direction (strength growing with depth
 *   and varying by head) and the sink direction into Gaussian noise; four held-out query
 *   rows per head (the next tokens) are drawn the same way;
 * - values are unit Gaussian noise;
 * - hidden-state norms are higher on target tokens and where the field changes fast.
 *
 * A screenshot's keys depend only on (seed, layer, head, screenshot, offset), so the same
 * screenshot looks the same in every step that shows it.
 *
 * @param layer layer index; deeper layers attend more sharply
 * @param layers the model's layer count, to scale the sharpness
 */
export function syntheticLayer(layout: StepLayout, shape: SyntheticShape, layer: number, layers: number, seed: number): SyntheticLayer {
  const { queryHeads, kvHeads, headDim, window } = shape;
  const seqLen = layout.seqLen;
  const keys = new Float32Array(kvHeads * seqLen * headDim);
  const values = new Float32Array(kvHeads * seqLen * headDim);
  const hidden = new Float32Array(seqLen);
  const depth = layers > 1 ? layer / (layers - 1) : 1;

  const directions = (tag: number, g: number): Float64Array => unitVector(new SeededRandom(mixSeed(seed, layer, g, tag)), headDim);
  const target = Array.from({ length: kvHeads }, (_, g) => directions(1, g));
  const sink = Array.from({ length: kvHeads }, (_, g) => directions(2, g));
  const targetStrength = 5.5;

  for (let g = 0; g < kvHeads; g++) {
    const noise = new SeededRandom(mixSeed(seed, layer, g, 3));
    const base = g * seqLen * headDim;
    for (let i = 0; i < seqLen * headDim; i++) {
      keys[base + i] = noise.normal();
      values[base + i] = noise.normal();
    }
    for (let d = 0; d < headDim; d++) keys[base + d] = keys[base + d]! + 9 * sink[g]![d]!;
  }

  const textNoise = new SeededRandom(mixSeed(seed, layer, 4));
  for (let j = 0; j < seqLen; j++) hidden[j] = 40 + 5 * textNoise.normal();

  for (const image of layout.images) {
    const [start, end] = image.span;
    const [rows, cols] = image.grid;
    const inTarget = new Uint8Array(end - start);
    for (const position of image.targetTokens) inTarget[position - start] = 1;
    const imageRandom = new SeededRandom(mixSeed(seed, layer, 5, image.step));
    const waves = Array.from({ length: 3 }, () => ({
      a: 1 + Math.floor(imageRandom.uniform() * 4),
      b: 1 + Math.floor(imageRandom.uniform() * 4),
      phase: 2 * Math.PI * imageRandom.uniform(),
    }));
    const field = (r: number, c: number): number => waves.reduce((sum, w) => sum + Math.cos(2 * Math.PI * ((w.a * r) / rows + (w.b * c) / cols) + w.phase), 0) / 3;

    for (let g = 0; g < kvHeads; g++) {
      const tokenRandom = new SeededRandom(mixSeed(seed, layer, 6, g, image.step));
      const fieldDirection = unitVector(tokenRandom, headDim);
      const base = g * seqLen * headDim;
      for (let o = 0; o < end - start; o++) {
        const r = Math.floor(o / cols);
        const c = o % cols;
        const strength = 2.5 * field(r, c);
        const offset = base + (start + o) * headDim;
        for (let d = 0; d < headDim; d++) {
          const noise = tokenRandom.normal();
          keys[offset + d] = 0.8 * noise + strength * fieldDirection[d]! + (inTarget[o] === 1 ? targetStrength * target[g]![d]! : 0);
        }
      }
    }
    const normRandom = new SeededRandom(mixSeed(seed, layer, 7, image.step));
    for (let o = 0; o < end - start; o++) {
      const r = Math.floor(o / cols);
      const c = o % cols;
      const gradient = Math.abs(field(r, c + 1) - field(r, c)) + Math.abs(field(r + 1, c) - field(r, c));
      hidden[start + o] = 30 + 8 * gradient + (inTarget[o] === 1 ? 10 : 0) + 3 * normRandom.normal();
    }
  }

  const evalRows = 4;
  const queries = new Float32Array(queryHeads * window * headDim);
  const evalQueries = new Float32Array(queryHeads * evalRows * headDim);
  const groupSize = queryHeads / kvHeads;
  const queryRandom = new SeededRandom(mixSeed(seed, layer, 8, layout.step));
  for (let h = 0; h < queryHeads; h++) {
    const g = Math.floor(h / groupSize);
    const focus = (2 + 4 * depth) * (0.5 + queryRandom.uniform());
    const fill = (out: Float32Array, rows: number): void => {
      for (let i = 0; i < rows; i++) {
        const offset = (h * rows + i) * headDim;
        for (let d = 0; d < headDim; d++) out[offset + d] = queryRandom.normal() + focus * target[g]![d]! + 5 * sink[g]![d]!;
      }
    };
    fill(queries, window);
    fill(evalQueries, evalRows);
  }

  return {
    queries: tensor(queries, [queryHeads, window, headDim], "synthetic queries"),
    keys: tensor(keys, [kvHeads, seqLen, headDim], "synthetic keys"),
    values: tensor(values, [kvHeads, seqLen, headDim], "synthetic values"),
    hidden: tensor(hidden, [seqLen], "synthetic hidden norms"),
    evalQueries: tensor(evalQueries, [queryHeads, evalRows, headDim], "synthetic held-out queries"),
  };
}

function unitVector(random: SeededRandom, length: number): Float64Array {
  const vector = new Float64Array(length);
  let norm = 0;
  for (let d = 0; d < length; d++) {
    vector[d] = random.normal();
    norm += vector[d]! * vector[d]!;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let d = 0; d < length; d++) vector[d] = vector[d]! * scale;
  return vector;
}
