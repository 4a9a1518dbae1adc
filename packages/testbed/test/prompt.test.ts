import { describe, expect, it } from "vitest";
import { clickAt, hits } from "../src/episode-eval.js";
import { decodePngScreen } from "../src/png.js";
import { buildPrompt } from "../src/prompt.js";
import { specialTokens } from "../src/vocabulary.js";

const screen = (width: number, height: number, fill = 0) => ({ pixels: new Uint8Array(width * height * 3).fill(fill), width, height });

describe("buildPrompt", () => {
  it("lays out screens and text with Qwen2.5-VL's multimodal positions", () => {
    const prompt = buildPrompt([screen(56, 28), screen(28, 56)], [5, 6, 7], 28);
    // <screen> + 2 patches, <screen> + 2 patches, 3 instruction tokens
    expect(Array.from(prompt.tokens)).toEqual([1, 2, 2, 1, 2, 2, 5, 6, 7]);
    const positions = Array.from({ length: 9 }, (_, t) => Array.from(prompt.positions.subarray(t * 3, t * 3 + 3)));
    expect(positions).toEqual([
      [0, 0, 0],
      [1, 1, 1],
      [1, 1, 2],
      [3, 3, 3],
      [4, 4, 4],
      [4, 5, 4],
      [6, 6, 6],
      [7, 7, 7],
      [8, 8, 8],
    ]);
    expect(prompt.spans).toEqual([
      { start: 1, end: 3, grid: [1, 2] },
      { start: 4, end: 6, grid: [2, 1] },
    ]);
    expect(prompt.answerPosition).toBe(9);
    expect(Array.from(prompt.patchOf)).toEqual([-1, 0, 1, -1, 2, 3, -1, -1, -1]);
    expect(prompt.tokens[0]).toBe(specialTokens.screen);
  });

  it("normalises pixels as (byte / 255 − 0.5) / 0.25", () => {
    const prompt = buildPrompt([screen(28, 28, 255)], [5], 28);
    expect(prompt.patches[0]).toBeCloseTo(2, 6);
    expect(prompt.patches.length).toBe(28 * 28 * 3);
  });

  it("rejects a screen whose side is not a multiple of the patch", () => {
    expect(() => buildPrompt([screen(30, 28)], [5], 28)).toThrow(/screen 0 is 30 × 28 pixels; both sides must be positive multiples of 28/);
    expect(() => buildPrompt([{ pixels: new Uint8Array(5), width: 28, height: 28 }], [5], 28)).toThrow(/screen 0 has 5 bytes/);
  });
});

describe("clickAt", () => {
  it("clicks the centre of the pointed patch and tells its screenshot", () => {
    const prompt = buildPrompt([screen(84, 56), screen(84, 56)], [5], 28);
    // second screen starts at 8; offset 4 is row 1, column 1
    expect(clickAt(prompt, 8 + 4, 28)).toEqual({ x: 42, y: 42, screen: 1 });
    expect(clickAt(prompt, 0, 28)).toBeNull();
    expect(hits({ x: 42, y: 42, screen: 1 }, [28, 28, 28, 28])).toBe(true);
    expect(hits({ x: 56, y: 42, screen: 1 }, [28, 28, 28, 28])).toBe(false);
    expect(hits(null, [0, 0, 100, 100])).toBe(false);
  });
});

describe("decodePngScreen", () => {
  it("names the file when the bytes are not a PNG", () => {
    expect(() => decodePngScreen(new TextEncoder().encode("not a png"), "notes.txt")).toThrow(/notes.txt is not a readable PNG/);
  });
});
