/** Colours a shape can have, with the CSS colour each is drawn in. */
export const colours = {
  red: "#e53935",
  green: "#43a047",
  blue: "#1e88e5",
  yellow: "#fdd835",
  purple: "#8e24aa",
  orange: "#fb8c00",
} as const;
export type Colour = keyof typeof colours;
export const colourNames = Object.keys(colours) as Colour[];

/** Shapes a shape element can have. */
export const shapeNames = ["square", "circle", "triangle", "diamond"] as const;
export type Shape = (typeof shapeNames)[number];

/** Words a text button can carry, drawn as capitalised labels. */
export const labelWords = ["file", "edit", "view", "save", "open", "close", "help", "send", "copy", "undo", "print", "find"] as const;
export type Label = (typeof labelWords)[number];

/**
 * The testbed's token vocabulary. Ids 0–4 are special: `<pad>`, `<screen>` (one before
 * each screenshot), `<img>` (the id written for patch tokens, which are embedded from
 * pixels), `<ans>` (fed after the prompt; its output points at the answer) and `<unk>`.
 */
export const vocabulary: readonly string[] = [
  "<pad>", "<screen>", "<img>", "<ans>", "<unk>",
  "click", "on", "the", "in", "current", "screen", "screens", "shape", "button", "item", "selected", "one", "two", "ago", ".",
  ...colourNames,
  ...shapeNames,
  ...labelWords,
];

export const specialTokens = { pad: 0, screen: 1, image: 2, answer: 3, unknown: 4 } as const;

/** Instructions are padded with "." to this many tokens: at least the observation window of 8. */
export const instructionLength = 10;

const ids = new Map(vocabulary.map((word, id) => [word, id]));

/**
 * Turns an instruction into token ids, lower-casing words and mapping unknown words to
 * `<unk>`, then pads with "." to `instructionLength` (longer instructions keep their length).
 */
export function tokenize(text: string): number[] {
  const words = text.toLowerCase().replace(/\./g, " . ").split(/\s+/).filter((word) => word.length > 0);
  const tokens = words.map((word) => ids.get(word) ?? specialTokens.unknown);
  while (tokens.length < instructionLength) tokens.push(ids.get(".")!);
  return tokens;
}
