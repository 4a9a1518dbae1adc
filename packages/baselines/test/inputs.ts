import { type ImageSpan, type LayerInput, tensor } from "@starkv/core";
import { createRandom, randomTensor } from "../../core/test/support/random.js";

export { createRandom, randomTensor };

export interface RandomInputShape {
  readonly kvHeads: number;
  readonly groupSize: number;
  readonly seqLen: number;
  readonly headDim: number;
  readonly rows: number;
  readonly spans?: readonly ImageSpan[];
  readonly hidden?: boolean;
  readonly scale?: number;
}

/** Builds a random layer input with the given shape. */
export function randomInput(seed: number, shape: RandomInputShape): LayerInput {
  const random = createRandom(seed);
  const heads = shape.kvHeads * shape.groupSize;
  const scale = shape.scale ?? 1;
  return {
    queries: randomTensor(random, [heads, shape.rows, shape.headDim], scale),
    keys: randomTensor(random, [shape.kvHeads, shape.seqLen, shape.headDim], scale),
    values: randomTensor(random, [shape.kvHeads, shape.seqLen, shape.headDim]),
    ...(shape.hidden === true ? { hidden: tensor(Float32Array.from({ length: shape.seqLen }, () => 1 + random()), [shape.seqLen]) } : {}),
    ...(shape.spans === undefined ? {} : { spans: shape.spans }),
  };
}

/** Returns deep copies of an input's tensors, to check later that nothing was modified. */
export function snapshot(input: LayerInput): Float32Array[] {
  return [input.queries, input.keys, input.values, ...(input.hidden === undefined ? [] : [input.hidden])].map((t) => t.data.slice());
}

export function unchanged(input: LayerInput, before: Float32Array[]): boolean {
  const now = [input.queries, input.keys, input.values, ...(input.hidden === undefined ? [] : [input.hidden])];
  return now.every((t, i) => t.data.length === before[i]!.length && t.data.every((x, j) => Object.is(x, before[i]![j])));
}
