import type { ImageSpan } from "@starkv/core";
import { specialTokens } from "./vocabulary.js";

/** A screenshot as RGB bytes, `[height, width, 3]` row-major; both sides multiples of the patch size. */
export interface PromptScreen {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** A prompt laid out as the testbed model reads it. */
export interface Prompt {
  /** `[T]` token ids; patch tokens carry `<img>`. */
  readonly tokens: Int32Array;
  /** `[T, 3]` multimodal RoPE positions (time, row, column). */
  readonly positions: Int32Array;
  /** `[T]` index of each token's patch in `patches`, or -1 for text. */
  readonly patchOf: Int32Array;
  /** `[patches, patch·patch·3]` normalised pixels, each patch in (y, x, channel) order. */
  readonly patches: Float32Array;
  /** Patch tokens of each screenshot, oldest first, with their `[rows, columns]` grid. */
  readonly spans: readonly (ImageSpan & { readonly grid: readonly [number, number] })[];
  /** Position (all three axes) of the `<ans>` token fed after the prompt. */
  readonly answerPosition: number;
}

/**
 * Lays out screenshots and an instruction: for each screenshot a `<screen>` token and its
 * patches row by row, then the instruction tokens. Positions follow Qwen2.5-VL: a text
 * token at position p has (p, p, p); the patches of a screenshot starting at p have
 * (p, p + row, p + column), and the next token starts at p + max(rows, columns).
 *
 * @throws RangeError naming the screenshot when a side is not a positive multiple of `patch`
 */
export function buildPrompt(screens: readonly PromptScreen[], instruction: readonly number[], patch: number): Prompt {
  let total = instruction.length;
  let patchCount = 0;
  screens.forEach((screen, i) => {
    if (screen.width <= 0 || screen.height <= 0 || screen.width % patch !== 0 || screen.height % patch !== 0) {
      throw new RangeError(`buildPrompt(): screen ${i} is ${screen.width} × ${screen.height} pixels; both sides must be positive multiples of ${patch}`);
    }
    if (screen.pixels.length !== screen.width * screen.height * 3) {
      throw new RangeError(`buildPrompt(): screen ${i} has ${screen.pixels.length} bytes; expected ${screen.width} × ${screen.height} × 3 RGB bytes`);
    }
    const count = (screen.width / patch) * (screen.height / patch);
    patchCount += count;
    total += 1 + count;
  });
  const tokens = new Int32Array(total);
  const positions = new Int32Array(total * 3);
  const patchOf = new Int32Array(total).fill(-1);
  const size = patch * patch * 3;
  const patches = new Float32Array(patchCount * size);
  const spans: (ImageSpan & { grid: readonly [number, number] })[] = [];
  let cursor = 0;
  let p = 0;
  let nextPatch = 0;
  const text = (id: number): void => {
    tokens[cursor] = id;
    positions.set([p, p, p], cursor * 3);
    cursor++;
    p++;
  };
  for (const screen of screens) {
    text(specialTokens.screen);
    const rows = screen.height / patch;
    const columns = screen.width / patch;
    spans.push({ start: cursor, end: cursor + rows * columns, grid: [rows, columns] });
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) {
        tokens[cursor] = specialTokens.image;
        positions.set([p, p + r, p + c], cursor * 3);
        patchOf[cursor] = nextPatch;
        writePatch(screen, r, c, patch, patches.subarray(nextPatch * size, (nextPatch + 1) * size));
        nextPatch++;
        cursor++;
      }
    }
    p += Math.max(rows, columns);
  }
  for (const id of instruction) text(id);
  return { tokens, positions, patchOf, patches, spans, answerPosition: p };
}

/** Copies one patch as `(byte / 255 − 0.5) / 0.25`, rounded to float32 at each step as PyTorch does. */
function writePatch(screen: PromptScreen, row: number, column: number, patch: number, out: Float32Array): void {
  let o = 0;
  for (let y = 0; y < patch; y++) {
    const base = ((row * patch + y) * screen.width + column * patch) * 3;
    for (let i = 0; i < patch * 3; i++) {
      out[o++] = Math.fround(Math.fround(Math.fround(screen.pixels[base + i]! / 255) - 0.5) / 0.25);
    }
  }
}
