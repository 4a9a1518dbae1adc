import { boxTokens } from "@starkv/capture";
import { describe, expect, it } from "vitest";

describe("boxTokens on a 3 × 4 grid", () => {
  // A 3 × 4 grid over a 400 × 300 screenshot: cells of 100 × 100 pixels, tokens 10 … 21.
  const grid = [3, 4] as const;

  it("selects the cells a box overlaps", () => {
    expect([...boxTokens([150, 50, 100, 70], [400, 300], grid, 10)]).toEqual([11, 12, 15, 16]);
  });

  it("skips a cell the box only touches", () => {
    expect([...boxTokens([100, 100, 100, 100], [400, 300], grid, 10)]).toEqual([15]);
  });

  it("selects the cell of a point", () => {
    expect([...boxTokens([399, 299, 0, 0], [400, 300], grid, 10)]).toEqual([21]);
  });

  it("rejects a box outside the image", () => {
    expect(() => boxTokens([500, 10, 20, 20], [400, 300], grid, 10)).toThrow(/outside|overlap/);
  });
});
