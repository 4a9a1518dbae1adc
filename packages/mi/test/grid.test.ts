import { defaultBins, guessGrid, positionBins } from "@starkv/mi";
import { describe, expect, it } from "vitest";

describe("guessGrid", () => {
  it.each([
    { tokens: 60, expected: [8, 8] },
    { tokens: 69, expected: [8, 9] },
    { tokens: 702, expected: [26, 27] },
    { tokens: 2691, expected: [52, 52] },
    { tokens: 4641, expected: [68, 69] },
    { tokens: 10549, expected: [103, 103] },
    { tokens: 16000, expected: [126, 127] },
  ])("guesses $expected for $tokens tokens", ({ tokens, expected }) => {
    expect(guessGrid(tokens)).toEqual(expected);
  });

  it("returns 1 by 1 for one token", () => {
    expect(guessGrid(1)).toEqual([1, 1]);
  });

  it("treats zero tokens as one", () => {
    expect(guessGrid(0)).toEqual([1, 1]);
  });
});

describe("positionBins", () => {
  it("bins token centres row-major", () => {
    // Row centres 0.25 and 0.75 of 12 bins give 3 and 9; column centres 1/6, 1/2, 5/6 give 2, 6, 10.
    const { rowBins, colBins } = positionBins(6, [2, 3]);
    expect(Array.from(rowBins)).toEqual([3, 3, 3, 9, 9, 9]);
    expect(Array.from(colBins)).toEqual([2, 6, 10, 2, 6, 10]);
  });

  it("gives each token its own cell on a 12 by 12 grid", () => {
    const { rowBins, colBins } = positionBins(144, [12, 12]);
    const cells = new Set(Array.from(rowBins, (row, o) => row * 12 + colBins[o]!));
    expect(cells.size).toBe(144);
  });

  it("shares cells on a larger grid", () => {
    const { rowBins, colBins } = positionBins(24 * 24, [24, 24]);
    const cells = new Set(Array.from(rowBins, (row, o) => row * 12 + colBins[o]!));
    expect(cells.size).toBe(144);
  });

  it("uses 12 by 12 by 16 bins by default", () => {
    expect(defaultBins).toEqual({ rows: 12, cols: 12, values: 16 });
  });
});
