import type { SeededRandom } from "@starkv/trajectory";
import { type Colour, colourNames, type Label, labelWords, type Shape, shapeNames } from "./vocabulary.js";

/** Side of a patch in pixels, as in Qwen2.5-VL. */
export const patchSize = 28;
/** Patches per row and per column of a testbed screen. */
export const gridSize = 12;
/** Side of a testbed screen in pixels. */
export const screenSize = patchSize * gridSize;

/** A rectangle of grid cells: column, row, width and height in cells. */
export interface CellRect {
  readonly column: number;
  readonly row: number;
  readonly columns: number;
  readonly rows: number;
}

/** A clickable element of a screen. */
export type ScreenElement =
  | { readonly id: number; readonly kind: "shape"; readonly colour: Colour; readonly shape: Shape; readonly rect: CellRect }
  | { readonly id: number; readonly kind: "text"; readonly label: Label; readonly rect: CellRect };

/** A decoration that is not clickable: a panel behind elements or a separator line. */
export interface Decoration {
  readonly kind: "panel" | "rule";
  readonly rect: CellRect;
  readonly shade: string;
}

/** A screen layout: what is where, before any element is shown as selected. */
export interface ScreenLayout {
  /** The grammar rule the layout came from. */
  readonly template: "toolbar" | "list" | "dialog" | "tabs" | "free";
  readonly background: string;
  readonly decorations: readonly Decoration[];
  readonly elements: readonly ScreenElement[];
}

/** How many elements a layout holds; the curriculum starts small. */
export interface LayoutSize {
  readonly shapes: readonly [min: number, max: number];
  readonly texts: readonly [min: number, max: number];
}

const backgrounds = ["#ffffff", "#f5f5f5", "#eceff1", "#fafafa", "#f1f8e9", "#fff8e1"];
const panelShades = ["#e3e7ea", "#dfe6ee", "#ebe4f0", "#e8efe0"];

/** Returns a uniform integer in [min, max]. */
export function randomInt(random: SeededRandom, min: number, max: number): number {
  return min + Math.floor(random.uniform() * (max - min + 1));
}

/** Returns `count` distinct items of `items` in random order. */
export function sample<T>(random: SeededRandom, items: readonly T[], count: number): T[] {
  const pool = [...items];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random.uniform() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}

/** Occupancy of the cell grid, so elements never overlap. */
class CellGrid {
  readonly #used = new Uint8Array(gridSize * gridSize);

  fits(rect: CellRect): boolean {
    if (rect.column < 0 || rect.row < 0 || rect.column + rect.columns > gridSize || rect.row + rect.rows > gridSize) return false;
    for (let r = rect.row; r < rect.row + rect.rows; r++) {
      for (let c = rect.column; c < rect.column + rect.columns; c++) if (this.#used[r * gridSize + c] === 1) return false;
    }
    return true;
  }

  take(rect: CellRect): void {
    for (let r = rect.row; r < rect.row + rect.rows; r++) {
      for (let c = rect.column; c < rect.column + rect.columns; c++) this.#used[r * gridSize + c] = 1;
    }
  }

  /** Places a `columns × rows` rect at a random free spot, or returns null after enough tries. */
  place(random: SeededRandom, columns: number, rows: number, area: CellRect = { column: 0, row: 0, columns: gridSize, rows: gridSize }): CellRect | null {
    for (let attempt = 0; attempt < 200; attempt++) {
      const rect = {
        column: area.column + randomInt(random, 0, area.columns - columns),
        row: area.row + randomInt(random, 0, area.rows - rows),
        columns,
        rows,
      };
      if (this.fits(rect)) {
        this.take(rect);
        return rect;
      }
    }
    return null;
  }
}

const shapeCells = { columns: 2, rows: 2 } as const;
const textCells = { columns: 3, rows: 1 } as const;

/**
 * Draws a seeded screen layout: a template (toolbar, list, dialog, tabs or free), its
 * decorations, and shape and text elements on the 12 × 12 cell grid. Shapes take 2 × 2
 * cells, text buttons 3 × 1. Text labels are distinct within a layout; colour–shape pairs
 * may repeat (instructions only name what is unique).
 */
export function drawLayout(random: SeededRandom, size: LayoutSize): ScreenLayout {
  const templates = ["toolbar", "list", "dialog", "tabs", "free"] as const;
  const template = templates[randomInt(random, 0, templates.length - 1)]!;
  const grid = new CellGrid();
  const decorations: Decoration[] = [];
  const shade = panelShades[randomInt(random, 0, panelShades.length - 1)]!;
  const textSlots: CellRect[] = [];
  const shapeSlots: CellRect[] = [];
  const shapeCount = randomInt(random, size.shapes[0], size.shapes[1]);
  const textCount = randomInt(random, size.texts[0], size.texts[1]);

  if (template === "toolbar") {
    decorations.push({ kind: "panel", rect: { column: 0, row: 0, columns: gridSize, rows: 2 }, shade });
    for (let column = 0; column + 2 <= gridSize && shapeSlots.length < Math.min(shapeCount, 4); column += 2 + randomInt(random, 0, 1)) {
      const rect = { column, row: 0, ...shapeCells };
      grid.take(rect);
      shapeSlots.push(rect);
    }
    decorations.push({ kind: "rule", rect: { column: 0, row: 2, columns: gridSize, rows: 1 }, shade: "#b0bec5" });
  } else if (template === "tabs") {
    for (let column = 0; column + 3 <= gridSize && textSlots.length < Math.min(textCount, 4); column += 3) {
      const rect = { column, row: 0, ...textCells };
      grid.take(rect);
      textSlots.push(rect);
    }
    decorations.push({ kind: "rule", rect: { column: 0, row: 1, columns: gridSize, rows: 1 }, shade: "#90a4ae" });
  } else if (template === "list") {
    decorations.push({ kind: "panel", rect: { column: 0, row: 0, columns: 3, rows: gridSize }, shade });
    for (let row = randomInt(random, 0, 1); row < gridSize && textSlots.length < Math.min(textCount, 6); row += 1 + randomInt(random, 0, 1)) {
      const rect = { column: 0, row, ...textCells };
      grid.take(rect);
      textSlots.push(rect);
    }
  } else if (template === "dialog") {
    const dialog = { column: 2, row: 3, columns: 8, rows: 6 };
    decorations.push({ kind: "panel", rect: dialog, shade });
    const row = dialog.row + dialog.rows - 2;
    for (let column = dialog.column + 1; column + 3 <= dialog.column + dialog.columns && textSlots.length < Math.min(textCount, 2); column += 3) {
      const rect = { column, row, ...textCells };
      grid.take(rect);
      textSlots.push(rect);
    }
  }
  while (shapeSlots.length < shapeCount) {
    const rect = grid.place(random, shapeCells.columns, shapeCells.rows);
    if (rect === null) break;
    shapeSlots.push(rect);
  }
  while (textSlots.length < textCount) {
    const rect = grid.place(random, textCells.columns, textCells.rows);
    if (rect === null) break;
    textSlots.push(rect);
  }

  const elements: ScreenElement[] = [];
  for (const rect of shapeSlots) {
    const colour = colourNames[randomInt(random, 0, colourNames.length - 1)]!;
    const shape = shapeNames[randomInt(random, 0, shapeNames.length - 1)]!;
    elements.push({ id: elements.length, kind: "shape", colour, shape, rect });
  }
  const labels = sample(random, labelWords, textSlots.length);
  textSlots.forEach((rect, i) => elements.push({ id: elements.length, kind: "text", label: labels[i]!, rect }));
  return { template, background: backgrounds[randomInt(random, 0, backgrounds.length - 1)]!, decorations, elements };
}
