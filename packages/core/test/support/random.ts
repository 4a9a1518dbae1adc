import { type Tensor, tensor } from "@starkv/core";

/** Returns a seeded uniform generator on [0, 1) (a 32-bit linear congruential generator). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Returns a tensor of `shape` with values uniform on [−scale, scale). */
export function randomTensor(random: () => number, shape: number[], scale = 1): Tensor {
  const size = shape.reduce((product, length) => product * length, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = (random() * 2 - 1) * scale;
  return tensor(data, shape);
}
