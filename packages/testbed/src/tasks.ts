import type { SeededRandom } from "@starkv/trajectory";
import { randomInt, sample, type ScreenElement, type ScreenLayout } from "./screen-grammar.js";

/**
 * Kinds of task: `attribute` (a shape by colour, shape or both), `text` (a button by its
 * label) and `history` (the element that was selected one or two screens ago, which only
 * earlier screenshots show).
 */
export type TaskKind = "attribute" | "text" | "history";
export const taskKinds: readonly TaskKind[] = ["attribute", "text", "history"];

/** An instruction about the current screen and the element to click. */
export interface ScreenQuery {
  readonly kind: TaskKind;
  readonly instruction: string;
  /** Id of the element to click. */
  readonly target: number;
}

/**
 * Lists every instruction that one screen of `layout` resolves by itself: each shape whose
 * colour–shape pair, colour or shape is unique among the shapes, and each text button.
 */
export function screenQueries(layout: ScreenLayout): ScreenQuery[] {
  const shapes = layout.elements.filter((element): element is Extract<ScreenElement, { kind: "shape" }> => element.kind === "shape");
  const count = (match: (shape: (typeof shapes)[number]) => boolean): number => shapes.filter(match).length;
  const queries: ScreenQuery[] = [];
  for (const shape of shapes) {
    if (count((other) => other.colour === shape.colour && other.shape === shape.shape) === 1) {
      queries.push({ kind: "attribute", instruction: `click on the ${shape.colour} ${shape.shape} in the current screen`, target: shape.id });
    }
    if (count((other) => other.colour === shape.colour) === 1) {
      queries.push({ kind: "attribute", instruction: `click on the ${shape.colour} shape in the current screen`, target: shape.id });
    }
    if (count((other) => other.shape === shape.shape) === 1) {
      queries.push({ kind: "attribute", instruction: `click on the ${shape.shape} shape in the current screen`, target: shape.id });
    }
  }
  for (const element of layout.elements) {
    if (element.kind === "text") queries.push({ kind: "text", instruction: `click on the ${element.label} button in the current screen`, target: element.id });
  }
  return queries;
}

/** Returns the instruction of a history task: the element selected `ago` (1 or 2) screens before the current one. */
export function historyInstruction(ago: 1 | 2): string {
  return ago === 1 ? "click on the item selected one screen ago" : "click on the item selected two screens ago";
}

/** One evaluation episode: screens of one layout, oldest first, and one instruction at the last. */
export interface Episode {
  readonly kind: TaskKind;
  readonly layout: ScreenLayout;
  /** Selected element id per screen (-1: none); the last screen (the current one) selects none. */
  readonly selected: readonly number[];
  readonly instruction: string;
  readonly target: number;
}

/**
 * Draws an episode of `kind` on `layout` with 3–6 screens: earlier screens each show one
 * selected element (distinct ones), the current screen none. Returns null when the layout
 * cannot pose the kind (no unique shape, no text button, or too few elements).
 */
export function drawEpisode(random: SeededRandom, layout: ScreenLayout, kind: TaskKind): Episode | null {
  const screens = randomInt(random, 3, 6);
  if (layout.elements.length < screens - 1) return null;
  const history = sample(random, layout.elements.map((element) => element.id), screens - 1);
  const selected = [...history, -1];
  if (kind === "history") {
    const ago = randomInt(random, 1, 2) as 1 | 2;
    return { kind, layout, selected, instruction: historyInstruction(ago), target: selected[screens - 1 - ago]! };
  }
  const queries = screenQueries(layout).filter((query) => query.kind === kind);
  if (queries.length === 0) return null;
  const query = queries[randomInt(random, 0, queries.length - 1)]!;
  return { kind, layout, selected, instruction: query.instruction, target: query.target };
}
