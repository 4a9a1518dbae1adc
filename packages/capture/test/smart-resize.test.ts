import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { imageGrid, roundHalfToEven, smartResize } from "@starkv/capture";
import { OptionsError } from "@starkv/core";
import { describe, expect, it } from "vitest";

interface ManifestEntry {
  path: string;
  width: number;
  height: number;
  qwen25vl_default: { resized_w: number; resized_h: number; patch_grid_hw: [number, number]; merged_grid_hw: [number, number]; visual_tokens: number };
}

const manifestPath = fileURLToPath(new URL("../../../fixtures/gui/manifest.json", import.meta.url));
const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { files: ManifestEntry[] };

describe("roundHalfToEven", () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [38.5, 38],
    [39.5, 40],
    [2.4999, 2],
    [2.5001, 3],
    [-1.5, -2],
  ])("rounds %d to %d", (value, expected) => {
    expect(roundHalfToEven(value)).toBe(expected);
  });
});

describe("imageGrid on the shipped screenshots", () => {
  it("has entries to check", () => {
    expect(manifest.files.length).toBeGreaterThanOrEqual(37);
  });

  it.each(manifest.files.map((entry) => [entry.path, entry] as const))("matches the manifest for %s", (_path, entry) => {
    const grid = imageGrid(entry.height, entry.width);
    const expected = entry.qwen25vl_default;
    expect(grid.resized).toEqual([expected.resized_w, expected.resized_h]);
    expect(grid.grid).toEqual(expected.merged_grid_hw);
    expect(grid.patchGrid).toEqual(expected.patch_grid_hw);
    expect(grid.tokens).toBe(expected.visual_tokens);
  });
});

describe("imageGrid on common screens", () => {
  const uiTarsMaxPixels = 2_116_800;

  it.each([
    { name: "1920×1080", width: 1920, height: 1080, resized: [1932, 1092], grid: [39, 69], tokens: 2691, small: [39, 69] },
    { name: "2560×1440", width: 2560, height: 1440, resized: [2548, 1428], grid: [51, 91], tokens: 4641, small: [38, 69] },
    { name: "3840×2160", width: 3840, height: 2160, resized: [3836, 2156], grid: [77, 137], tokens: 10549, small: [38, 69] },
    { name: "phone 1080×2400", width: 1080, height: 2400, resized: [1092, 2408], grid: [86, 39], tokens: 3354, small: [77, 34] },
  ])("maps $name", ({ width, height, resized, grid, tokens, small }) => {
    const result = imageGrid(height, width);
    expect(result.resized).toEqual(resized);
    expect(result.grid).toEqual(grid);
    expect(result.tokens).toBe(tokens);
    expect(result.grid[0] * result.grid[1]).toBe(tokens);

    const limited = imageGrid(height, width, { maxPixels: uiTarsMaxPixels });
    expect(limited.grid).toEqual(small);
    expect(limited.resized[0] * limited.resized[1]).toBeLessThanOrEqual(uiTarsMaxPixels);
  });

  it("gives 2622 tokens for 2560×1440 under max_pixels 2,116,800", () => {
    expect(imageGrid(1440, 2560, { maxPixels: 2_116_800 }).tokens).toBe(2622);
    expect(imageGrid(2400, 1080, { maxPixels: 2_116_800 }).tokens).toBe(2618);
  });
});

describe("smartResize", () => {
  it("rounds ties to even", () => {
    // 70 / 28 = 2.5 rounds to 2 and 98 / 28 = 3.5 rounds to 4, as Python's round does.
    expect(smartResize(70, 98 * 2)).toEqual({ height: 56, width: 196 });
    expect(smartResize(98, 98 * 2)).toEqual({ height: 112, width: 196 });
  });

  it("scales small images up to minPixels", () => {
    const { height, width } = smartResize(20, 30);
    expect(height % 28).toBe(0);
    expect(width % 28).toBe(0);
    expect(height * width).toBeGreaterThanOrEqual(3136);
    // √(3136 / 600) = 2.286…; ceil(20 · 2.286 / 28) = 2 and ceil(30 · 2.286 / 28) = 3.
    expect({ height, width }).toEqual({ height: 56, width: 84 });
  });

  it("keeps every result within the limits", () => {
    for (let height = 1; height < 4000; height += 37) {
      for (let width = Math.ceil(height / 200); width < Math.min(4000, height * 200); width += 53) {
        const resized = smartResize(height, width, { maxPixels: 1_000_000 });
        expect(resized.height % 28).toBe(0);
        expect(resized.width % 28).toBe(0);
        expect(resized.height * resized.width).toBeLessThanOrEqual(1_000_000);
      }
    }
  });

  it("honours another factor", () => {
    expect(smartResize(1080, 1920, { factor: 32 })).toEqual({ height: 1088, width: 1920 });
  });

  it("rejects extreme aspect ratios", () => {
    expect(() => smartResize(10, 2010)).toThrow(/aspect ratio above 200/);
  });

  it("rejects invalid sizes and options at once", () => {
    let error: unknown;
    try {
      smartResize(0, 12.5, { factor: -1, minPixels: 10, maxPixels: 5 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OptionsError);
    const problems = (error as { problems: string[] }).problems;
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/height is 0/);
    expect(problems[1]).toMatch(/width is 12.5/);
  });

  it("rejects an invalid merge size in imageGrid", () => {
    expect(() => imageGrid(100, 100, { mergeSize: 0 })).toThrow(/mergeSize is 0/);
  });
});
