import type { ClippedSpan } from "@starkv/core";
import { defaultBins, guessGrid, type MIBins, positionBins } from "./grid.js";
import { miScore2d } from "./mi-score.js";

/** Where the MI estimator takes the screenshot's grid from. */
export type GridSource = "square-guess" | "image";

/** Options of `groupMI`. */
export interface GroupMIOptions {
  /**
   * `"square-guess"` (reference): a near-square grid guessed from the token count.
   * `"image"`: the span's true merged-token grid, which must then be given.
   */
  readonly grid?: GridSource;
  readonly bins?: MIBins;
}

/** Per-group MI and the grid it used. */
export interface GroupMI {
  /** `[kvHeads]` MI per group in nats, rounded to float32 as the reference stores it. */
  readonly mi: Float32Array;
  /** `[kvHeads]` the same values before the float32 rounding. */
  readonly exact: Float64Array;
  /** `[rows, cols]` of the grid that placed the tokens. */
  readonly grid: [number, number];
}

/**
 * Scores how spatially structured each KV group's attention over `span` is: per group,
 * `v = max(S[g, span], 0)` is normalised to a distribution (in float32) and fed to
 * `miScore2d` with the span's position bins. A group with total mass at most 1e-12 gets 0.
 *
 * @param scores `S` `[kvHeads, length]` group scores
 * @param span the current screenshot, within `[0, length)`
 * @throws RangeError when `grid: "image"` is asked for and the span has no grid
 */
export function groupMI(scores: ArrayLike<number>, kvHeads: number, length: number, span: ClippedSpan, options: GroupMIOptions = {}): GroupMI {
  const bins = options.bins ?? defaultBins;
  const tokens = span.end - span.start;
  let grid: [number, number];
  if (options.grid === "image") {
    if (span.grid === undefined) {
      throw new RangeError(`groupMI(): grid "image" needs the true grid of the span [${span.start}, ${span.end}); pass spans with grid: [rows, cols] or use grid "square-guess"`);
    }
    grid = [span.grid[0], span.grid[1]];
  } else {
    grid = guessGrid(tokens);
  }
  const { rowBins, colBins } = positionBins(tokens, grid, bins);

  const mi = new Float32Array(kvHeads);
  const exact = new Float64Array(kvHeads);
  const p = new Float32Array(tokens);
  for (let g = 0; g < kvHeads; g++) {
    let total = 0;
    for (let o = 0; o < tokens; o++) {
      p[o] = Math.max(scores[g * length + span.start + o]!, 0);
      total += p[o]!;
    }
    const mass = Math.fround(total);
    if (mass <= 1e-12) continue;
    for (let o = 0; o < tokens; o++) p[o] = p[o]! / mass;
    exact[g] = miScore2d(p, rowBins, colBins, bins);
    mi[g] = exact[g]!;
  }
  return { mi, exact, grid };
}
