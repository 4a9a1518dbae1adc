import { boxTokens } from "@starkv/capture";
import { OptionsError } from "@starkv/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** A 280 × 140 image on a 5 × 10 grid: every cell is 28 × 28 original pixels. */
const size: [number, number] = [280, 140];
const grid: [number, number] = [5, 10];
const start = 100;

function tokens(box: [number, number, number, number]): number[] {
  return Array.from(boxTokens(box, size, grid, start));
}

describe("boxTokens", () => {
  it("selects the one cell a small box lies in", () => {
    expect(tokens([30, 0, 20, 10])).toEqual([101]);
  });

  it("does not take a neighbour the box only touches", () => {
    expect(tokens([28, 28, 28, 28])).toEqual([111]);
  });

  it("takes every cell a box straddles", () => {
    expect(tokens([27, 27, 2, 2])).toEqual([100, 101, 110, 111]);
  });

  it("covers the whole image", () => {
    expect(tokens([0, 0, 280, 140])).toEqual(Array.from({ length: 50 }, (_, i) => start + i));
  });

  it("clips a box that starts before the image", () => {
    expect(tokens([-10, -10, 40, 40])).toEqual([100, 101, 110, 111]);
  });

  it("clips a box that ends past the image", () => {
    expect(tokens([270, 130, 100, 100])).toEqual([149]);
  });

  it("maps a click point to its cell", () => {
    expect(tokens([140, 70, 0, 0])).toEqual([125]);
    expect(tokens([0, 0, 0, 0])).toEqual([100]);
  });

  it("keeps a point on the far border in the last cell", () => {
    expect(tokens([280, 140, 0, 0])).toEqual([149]);
  });

  it("scales boxes of a screenshot whose grid does not divide its size", () => {
    // 1212 × 758 becomes 27 × 43 tokens: x 512…592 → columns 18.17…21.00 → 18 to 21,
    // y 300…324 → rows 10.69…11.54 → 10 and 11.
    const positions = Array.from(boxTokens([512, 300, 80, 24], [1212, 758], [27, 43], 15));
    const expected = [10, 11].flatMap((row) => [18, 19, 20, 21].map((col) => 15 + row * 43 + col));
    expect(positions).toEqual(expected);
  });

  it("rejects a box entirely outside the image", () => {
    expect(() => tokens([300, 0, 10, 10])).toThrow(/lies entirely outside the 280×140 image/);
    expect(() => tokens([0, 141, 10, 10])).toThrow(OptionsError);
    expect(() => tokens([-20, 0, 20, 10])).toThrow(/entirely outside/);
    expect(() => tokens([-1, 5, 0, 0])).toThrow(/entirely outside/);
  });

  it("rejects invalid arguments all at once", () => {
    let error: unknown;
    try {
      boxTokens([0, 0, -1, 5], [0, 100], [2.5, 3], -1);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as OptionsError).problems).toHaveLength(4);
  });

  it("returns sorted, unique positions inside the span", () => {
    const cases = fc.record({
      rows: fc.integer({ min: 1, max: 40 }),
      cols: fc.integer({ min: 1, max: 40 }),
      width: fc.integer({ min: 1, max: 3000 }),
      height: fc.integer({ min: 1, max: 3000 }),
      box: fc.tuple(fc.double({ min: -0.5, max: 1.2, noNaN: true }), fc.double({ min: -0.5, max: 1.2, noNaN: true }), fc.double({ min: 0, max: 1.5, noNaN: true }), fc.double({ min: 0, max: 1.5, noNaN: true })),
    });
    fc.assert(
      fc.property(cases, ({ rows, cols, width, height, box }) => {
        const pixels: [number, number, number, number] = [box[0] * width, box[1] * height, box[2] * width, box[3] * height];
        let positions: Int32Array;
        try {
          positions = boxTokens(pixels, [width, height], [rows, cols], 7);
        } catch (error) {
          // Only boxes with nothing inside the image may be rejected.
          const insideX = pixels[2] === 0 ? pixels[0] >= 0 && pixels[0] <= width : pixels[0] < width && pixels[0] + pixels[2] > 0;
          const insideY = pixels[3] === 0 ? pixels[1] >= 0 && pixels[1] <= height : pixels[1] < height && pixels[1] + pixels[3] > 0;
          expect(insideX && insideY).toBe(false);
          expect(error).toBeInstanceOf(OptionsError);
          return;
        }
        expect(positions.length).toBeGreaterThan(0);
        const centreX = (Math.max(pixels[0], 0) + Math.min(pixels[0] + pixels[2], width)) / 2;
        const centreY = (Math.max(pixels[1], 0) + Math.min(pixels[1] + pixels[3], height)) / 2;
        const centreCell = Math.min(Math.floor((centreY * rows) / height), rows - 1) * cols + Math.min(Math.floor((centreX * cols) / width), cols - 1);
        expect(Array.from(positions)).toContain(7 + centreCell);
        for (let i = 0; i < positions.length; i++) {
          expect(positions[i]).toBeGreaterThanOrEqual(7);
          expect(positions[i]).toBeLessThan(7 + rows * cols);
          if (i > 0) expect(positions[i]).toBeGreaterThan(positions[i - 1]!);
        }
      }),
      { seed: 20261204, numRuns: 500 },
    );
  });
});
