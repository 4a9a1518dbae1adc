import { describe, expect, it } from "vitest";
import { keptHash } from "../src/kept-hash.js";

const layers = [
  { layer: 0, headPositions: [Int32Array.from([0, 5, 9]), Int32Array.from([1, 5, 9])] },
  { layer: 7, headPositions: [Int32Array.from([2, 3, 9])] },
];

describe("keptHash", () => {
  it("is equal for equal kept sets", () => {
    const copy = layers.map(({ layer, headPositions }) => ({ layer, headPositions: headPositions.map((positions) => positions.slice()) }));
    expect(keptHash(copy)).toBe(keptHash(layers));
    expect(keptHash(layers)).toMatch(/^[0-9a-f]{8}$/);
  });

  it("changes with one position, the head order or the layer index", () => {
    const base = keptHash(layers);
    expect(keptHash([{ layer: 0, headPositions: [Int32Array.from([0, 5, 8]), Int32Array.from([1, 5, 9])] }, layers[1]!])).not.toBe(base);
    expect(keptHash([{ layer: 0, headPositions: [...layers[0]!.headPositions].reverse() }, layers[1]!])).not.toBe(base);
    expect(keptHash([layers[0]!, { ...layers[1]!, layer: 14 }])).not.toBe(base);
  });
});
