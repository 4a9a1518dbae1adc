import { type Capacity, topK } from "@starkv/core";
import { accumulatedAttention } from "./attention-rows.js";
import { buildHeadCaches, compressedResult, wholeLayerResult } from "./head-caches.js";
import { prepareLayer } from "./layer-setup.js";
import { type LayerMethod, layerMethod } from "./method.js";
import { type BudgetOptions, budgetChecks, checkOptions, type GroupReduction, numberIn, oneOf, resolveBudgetOptions } from "./options.js";
import { reduceGroups } from "./window-scores.js";

/** Options of `createH2O`. */
export interface H2OOptions extends BudgetOptions {
  /** Share of the capacity `C` for the recent tokens, window included; default 0.5. */
  readonly recentRatio?: number;
  /**
   * Query rows whose attention is accumulated: `"all"` (default) uses every row the input
   * holds, `"window"` only the last `w`.
   */
  readonly rows?: "all" | "window";
  /** Group reduction of the accumulated attention; default `"mean"`. */
  readonly reduction?: GroupReduction;
}

/** H2O's split of a layer's past budget between recent tokens and heavy hitters. */
export interface H2OSplit {
  /** Past tokens right before the window that are kept as recent tokens. */
  readonly recent: number;
  /** Past tokens chosen by accumulated attention among the older positions. */
  readonly heavy: number;
}

/**
 * Splits the past budget: the recent part, window included, gets `floor(C · recentRatio)`
 * tokens, so `recent = clamp(floor(C · recentRatio) − w, 0, keep)` past tokens just before
 * the window, and the heavy hitters get the other `keep − recent`.
 */
export function h2oSplit(capacity: Capacity, recentRatio: number): H2OSplit {
  const recent = Math.min(capacity.keep, Math.max(0, Math.floor(capacity.capacity * recentRatio) - capacity.window));
  return { recent, heavy: capacity.keep - recent };
}

/**
 * Creates H2O (arXiv 2306.14048) in its prefill form. The heavy hitters are the tokens with
 * the largest attention accumulated over the query rows of the prompt (causal, summed over
 * rows, reduced over each GQA group). The recent tokens are the ones right before the
 * window. A capture holds only the last rows' queries, so the accumulation covers those
 * rows; with the full prompt's queries it covers every row, as H2O needs.
 *
 * Each KV head keeps its own heavy hitters (layout `"per-kv-head"`); the recent tokens and
 * the window are the same in every head. The attention is computed in plain TypeScript,
 * not on a backend.
 *
 * @throws OptionsError listing every invalid option
 */
export function createH2O(options: H2OOptions = {}): LayerMethod {
  const name = "h2o";
  checkOptions("createH2O()", options, { ...budgetChecks, recentRatio: numberIn(0, 1), rows: oneOf("all", "window"), reduction: oneOf("mean", "max") });
  const resolved = resolveBudgetOptions(options);
  const recentRatio = options.recentRatio ?? 0.5;
  const rowsMode = options.rows ?? "all";
  const reduction = options.reduction ?? "mean";
  return layerMethod(name, (_session, layer, input) => {
    const prepared = prepareLayer(`${name}.compressLayer() layer ${layer}`, input, resolved.budget, resolved.window);
    const { capacity } = prepared;
    if (!capacity.compresses) return wholeLayerResult(name, layer, input, prepared, capacity.notes);
    const { heads, kvHeads, seqLen, windowRows } = prepared.shape;
    const rows = rowsMode === "all" ? windowRows : capacity.window;
    const split = h2oSplit(capacity, recentRatio);
    const candidates = capacity.pastLength - split.recent;

    const accumulated = accumulatedAttention(input.queries, input.keys, rows);
    const candidateScores = new Float64Array(heads * candidates);
    for (let h = 0; h < heads; h++) candidateScores.set(accumulated.subarray(h * seqLen, h * seqLen + candidates), h * candidates);
    const reduced = reduceGroups(candidateScores, heads, kvHeads, candidates, reduction);

    const past: Int32Array[] = [];
    for (let g = 0; g < kvHeads; g++) {
      const heavy = topK(reduced.subarray(g * candidates, (g + 1) * candidates), split.heavy);
      const kept = new Int32Array(capacity.keep);
      kept.set(heavy);
      for (let r = 0; r < split.recent; r++) kept[split.heavy + r] = candidates + r;
      past.push(kept);
    }
    const notes = [
      ...capacity.notes,
      `H2O: ${split.heavy} heavy-hitter and ${split.recent} recent past tokens per head plus the window of ${capacity.window}; attention accumulated over the last ${rows} query rows`,
    ];
    return compressedResult(name, layer, prepared, "per-kv-head", buildHeadCaches(input, past, capacity.window, (g) => g), notes, "cpu");
  });
}
