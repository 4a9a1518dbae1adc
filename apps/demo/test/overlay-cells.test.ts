import { describe, expect, it } from "vitest";
import { boxRect, cellRect, keptInSpan, keptShare, lowerBound, summarizeKept } from "../src/overlay-cells.js";

describe("lowerBound", () => {
  it("finds the first element at or above the value", () => {
    const sorted = Int32Array.from([2, 4, 4, 9]);
    expect([lowerBound(sorted, 0), lowerBound(sorted, 4), lowerBound(sorted, 5), lowerBound(sorted, 10)]).toEqual([0, 1, 3, 4]);
  });
});

describe("keptShare", () => {
  it("marks kept tokens of a shared result with 1", () => {
    const positions = Int32Array.from([1, 10, 12, 13, 30]);
    expect(Array.from(keptShare([10, 15], [positions, positions]))).toEqual([1, 0, 1, 1, 0]);
  });

  it("gives the share of heads for per-head results", () => {
    const share = keptShare([0, 4], [Int32Array.from([0, 1]), Int32Array.from([1, 2]), Int32Array.from([1]), Int32Array.from([3])]);
    expect(Array.from(share)).toEqual([0.25, 0.75, 0.25, 0.25]);
  });

  it("ignores positions outside the span", () => {
    expect(Array.from(keptShare([5, 7], [Int32Array.from([0, 4, 7, 8])]))).toEqual([0, 0]);
  });

  it("rejects an empty span and no heads", () => {
    expect(() => keptShare([4, 4], [Int32Array.from([4])])).toThrow(/span is \[4, 4\)/);
    expect(() => keptShare([0, 4], [])).toThrow(/headPositions is empty/);
  });

  it("counts tokens kept by any head", () => {
    expect(keptInSpan([0, 4], [Int32Array.from([0]), Int32Array.from([0, 2])])).toBe(2);
  });
});

describe("cellRect", () => {
  it("tiles the canvas without gaps or overlaps", () => {
    const grid: [number, number] = [7, 11];
    const width = 500;
    const height = 333;
    let area = 0;
    for (let i = 0; i < grid[0] * grid[1]; i++) {
      const cell = cellRect(i, grid, width, height);
      area += cell.width * cell.height;
      const right = i % grid[1] === grid[1] - 1 ? width : cellRect(i + 1, grid, width, height).x;
      expect(cell.x + cell.width).toBe(right);
    }
    expect(area).toBe(width * height);
  });

  it("places cells row-major", () => {
    expect(cellRect(5, [2, 4], 400, 200)).toEqual({ x: 100, y: 100, width: 100, height: 100 });
  });

  it("rejects an index outside the grid", () => {
    expect(() => cellRect(8, [2, 4], 400, 200)).toThrow(/index is 8; expected an integer in \[0, 8\)/);
  });
});

describe("boxRect", () => {
  it("scales a pixel box onto the canvas", () => {
    expect(boxRect([100, 50, 200, 100], [1000, 500], 500, 250)).toEqual({ x: 50, y: 25, width: 100, height: 50 });
  });
});

describe("summarizeKept", () => {
  const images = [
    { span: [2, 6] as const, targetTokens: new Int32Array(0) },
    { span: [8, 12] as const, targetTokens: Int32Array.from([9, 10]) },
  ];

  it("counts kept tokens per screenshot and the mean per head", () => {
    const summary = summarizeKept([Int32Array.from([2, 3, 9, 10, 14, 15]), Int32Array.from([9, 14, 15, 16])], 16, images);
    expect(summary.keptMean).toBe(5);
    expect(summary.percent).toBeCloseTo(31.25, 10);
    expect(summary.keptPerImage).toEqual([2, 2]);
  });

  it("counts a target token only when every head keeps it", () => {
    const summary = summarizeKept([Int32Array.from([9, 10]), Int32Array.from([9])], 16, images);
    expect(summary.targetCoverage).toBe(0.5);
  });

  it("reports no coverage without targets", () => {
    expect(summarizeKept([Int32Array.from([2])], 16, images.slice(0, 1)).targetCoverage).toBeNull();
  });
});
