import { SeededRandom } from "@starkv/trajectory";
import { describe, expect, it } from "vitest";
import { drawLayout, gridSize } from "../src/screen-grammar.js";
import { drawEpisode, screenQueries } from "../src/tasks.js";
import { instructionLength, specialTokens, tokenize, vocabulary } from "../src/vocabulary.js";

const size = { shapes: [1, 6], texts: [0, 5] } as const;

describe("screen grammar", () => {
  it("draws seeded layouts without overlap", () => {
    for (let seed = 0; seed < 200; seed++) {
      const layout = drawLayout(new SeededRandom(seed), size);
      expect(drawLayout(new SeededRandom(seed), size)).toEqual(layout);
      const used = new Set<number>();
      for (const element of layout.elements) {
        const { column, row, columns, rows } = element.rect;
        expect(column + columns).toBeLessThanOrEqual(gridSize);
        expect(row + rows).toBeLessThanOrEqual(gridSize);
        for (let r = row; r < row + rows; r++) {
          for (let c = column; c < column + columns; c++) {
            expect(used.has(r * gridSize + c)).toBe(false);
            used.add(r * gridSize + c);
          }
        }
      }
      const labels = layout.elements.flatMap((element) => (element.kind === "text" ? [element.label] : []));
      expect(new Set(labels).size).toBe(labels.length);
    }
  });

  it("asks only for what one element of the screen answers", () => {
    for (let seed = 0; seed < 100; seed++) {
      const layout = drawLayout(new SeededRandom(seed), size);
      for (const query of screenQueries(layout)) {
        const target = layout.elements[query.target]!;
        if (query.kind === "text") {
          expect(target.kind).toBe("text");
          continue;
        }
        expect(target.kind).toBe("shape");
        const named = query.instruction.split(" ").slice(3, 5);
        const matches = layout.elements.filter((e) => e.kind === "shape" && named.every((word) => word === "shape" || word === e.colour || word === e.shape));
        expect(matches.map((e) => e.id)).toEqual([query.target]);
      }
    }
  });

  it("builds episodes whose history target was selected the named number of screens ago", () => {
    let seen = 0;
    for (let seed = 0; seed < 100; seed++) {
      const random = new SeededRandom(seed);
      const episode = drawEpisode(random, drawLayout(random, size), "history");
      if (episode === null) continue;
      seen++;
      const screens = episode.selected.length;
      expect(screens).toBeGreaterThanOrEqual(3);
      expect(screens).toBeLessThanOrEqual(6);
      expect(episode.selected.at(-1)).toBe(-1);
      expect(new Set(episode.selected).size).toBe(screens);
      const ago = episode.instruction.includes("two") ? 2 : 1;
      expect(episode.target).toBe(episode.selected[screens - 1 - ago]);
    }
    expect(seen).toBeGreaterThan(50);
  });
});

describe("tokenize", () => {
  it("pads to the instruction length with '.' and maps unknown words to <unk>", () => {
    const tokens = tokenize("Click on the zebra");
    expect(tokens).toHaveLength(instructionLength);
    expect(tokens.slice(0, 4).map((id) => vocabulary[id])).toEqual(["click", "on", "the", "<unk>"]);
    expect(tokens[3]).toBe(specialTokens.unknown);
    expect(tokens.slice(4).every((id) => vocabulary[id] === ".")).toBe(true);
  });

  it("keeps a longer instruction whole", () => {
    expect(tokenize("click on the red circle in the current screen now please")).toHaveLength(11);
  });
});
