import type { LayerInput } from "@starkv/core";
import { allocateUnits } from "./allocate.js";
import { forEachAttentionRow } from "./attention-rows.js";
import { buildHeadCaches, compressedResult } from "./head-caches.js";
import type { PreparedLayer } from "./layer-setup.js";
import type { Method } from "./method.js";
import type { MethodLayerResult } from "./method-result.js";
import { type BudgetOptions, budgetChecks, checkOptions, type GroupReduction, numberIn, oneOf, resolveBudgetOptions } from "./options.js";
import { prepareStep, wholeStepResult } from "./step-setup.js";
import { reduceGroups } from "./window-scores.js";
import { topKPerRow } from "./window-selection.js";

/** Options of `createVLCache`. */
export interface VLCacheOptions extends BudgetOptions {
  /** An attention probability at or below this counts as sparse; default 0.01. */
  readonly threshold?: number;
  /** Lower clamp of a layer's share `β_l`; default 0.001 (the upper clamp is 1). */
  readonly minShare?: number;
  /** Group reduction of the token scores; default `"mean"`. */
  readonly reduction?: GroupReduction;
}

/** The post-vision attention statistics of one layer. */
export interface PostVisionAttention {
  /** Query rows used: the tokens after the last screenshot, as far as the input contains their queries. */
  readonly rows: number;
  /** `γ`, the share of visible attention entries at or below the threshold. */
  readonly sparsity: number;
  /** `[heads, pastLength]` attention summed over the rows. */
  readonly scores: Float64Array;
  readonly notes: readonly string[];
}

/**
 * Computes VL-Cache's post-vision attention of one layer. The query rows after the last
 * screenshot (its observation window) attend causally, and their attention is summed per
 * past position. `γ` is the share of the entries each row attends to (`j ≤` its
 * position) that are at or below `threshold`.
 *
 * When the input has no screenshot, or the last screenshot reaches the prompt's end, the
 * last `w` rows are used instead. When the input contains fewer query rows than there are
 * post-vision tokens, the rows it holds are used. Both cases are reported in `notes`.
 */
export function postVisionAttention(input: LayerInput, prepared: PreparedLayer, threshold: number): PostVisionAttention {
  const { heads, seqLen, windowRows } = prepared.shape;
  const { window, pastLength } = prepared.capacity;
  const notes: string[] = [];
  const lastEnd = input.spans?.at(-1)?.end;
  let rows: number;
  if (lastEnd === undefined || lastEnd >= seqLen) {
    rows = window;
    notes.push(`VL-Cache: ${lastEnd === undefined ? "no screenshot span" : "the last screenshot ends the prompt"}; the last ${window} query rows stand in for the post-vision rows`);
  } else {
    rows = Math.min(seqLen - lastEnd, windowRows);
    if (rows < seqLen - lastEnd) notes.push(`VL-Cache: ${seqLen - lastEnd} tokens follow the last screenshot but the input contains only ${windowRows} query rows; those rows are used`);
  }

  const scores = new Float64Array(heads * pastLength);
  let sparse = 0;
  let visible = 0;
  forEachAttentionRow(input.queries, input.keys, rows, (head, _position, probabilities) => {
    const offset = head * pastLength;
    for (let j = 0; j < probabilities.length; j++) {
      const p = probabilities[j]!;
      if (p <= threshold) sparse++;
      if (j < pastLength) scores[offset + j] = scores[offset + j]! + p;
    }
    visible += probabilities.length;
  });
  return { rows, sparsity: sparse / visible, scores, notes };
}

/**
 * Splits a total past budget over layers by their attention sparsity, as VL-Cache does:
 * `β_l = (1 − γ_l) / Σ_m (1 − γ_m)`, clamped to `[minShare, 1]`, and layer `l` gets
 * `total · β_l` past tokens per head. `allocateUnits` rounds and clamps the counts to
 * `[1, pastLength]` so that they sum to `total` exactly, and it gives the clamp's surplus
 * to the other layers in proportion to `β`.
 *
 * @param sparsities `[layers]` `γ_l` in `[0, 1]`
 * @param total past tokens per head over all these layers
 * @returns the counts and, when every layer is fully sparse, a note that equal shares were used
 */
export function sparsityBudgets(sparsities: readonly number[], total: number, pastLength: number, minShare: number): { budgets: Int32Array; shares: Float64Array; notes: string[] } {
  const dense = sparsities.map((gamma) => 1 - gamma);
  const sum = dense.reduce((a, b) => a + b, 0);
  const notes: string[] = [];
  let shares: Float64Array;
  if (sum > 0) {
    shares = Float64Array.from(dense, (value) => Math.min(1, Math.max(minShare, value / sum)));
  } else {
    shares = new Float64Array(dense.length).fill(1 / dense.length);
    notes.push("VL-Cache: every layer's attention is entirely at or below the threshold; the layers share the budget equally");
  }
  return { budgets: allocateUnits(total, shares, 1, pastLength), shares, notes };
}

/**
 * Creates VL-Cache (arXiv 2410.23317): layer budgets from the sparsity of the post-vision
 * attention (`sparsityBudgets`), and per KV head the tokens with the largest post-vision
 * attention (summed over the rows, reduced over each GQA group) within that budget.
 *
 * This is a step method: the total, `keep` past tokens per head times the number of
 * given layers, is split across the layers passed to one `compressStep` call. With a
 * capture of a few layers the split covers only those layers.
 *
 * @throws OptionsError listing every invalid option
 */
export function createVLCache(options: VLCacheOptions = {}): Method {
  const name = "vlcache";
  checkOptions("createVLCache()", options, { ...budgetChecks, threshold: numberIn(0, 1), minShare: numberIn(0, 1), reduction: oneOf("mean", "max") });
  const resolved = resolveBudgetOptions(options);
  const threshold = options.threshold ?? 0.01;
  const minShare = options.minShare ?? 0.001;
  const reduction = options.reduction ?? "mean";
  return {
    name,
    scope: "step",
    compressStep(_session, layers, stepOptions) {
      const step = prepareStep(`${name}.compressStep()`, layers, stepOptions, resolved.budget, resolved.window);
      const { capacity } = step.first;
      if (!capacity.compresses) return wholeStepResult(name, layers, step);
      const results = new Map<number, MethodLayerResult>();
      const attention = step.indices.map((layer) => postVisionAttention(layers.get(layer)!, step.layers.get(layer)!, threshold));
      const split = sparsityBudgets(
        attention.map((a) => a.sparsity),
        step.indices.length * capacity.keep,
        capacity.pastLength,
        minShare,
      );
      const budgets = new Map<number, number>();
      step.indices.forEach((layer, i) => {
        const input = layers.get(layer)!;
        const prepared = step.layers.get(layer)!;
        const { heads, kvHeads } = prepared.shape;
        const keep = split.budgets[i]!;
        budgets.set(layer, keep);
        const reduced = reduceGroups(attention[i]!.scores, heads, kvHeads, capacity.pastLength, reduction);
        const past = topKPerRow(reduced, kvHeads, capacity.pastLength, keep);
        const notes = [
          ...capacity.notes,
          ...attention[i]!.notes,
          `VL-Cache: layer ${layer} sparsity γ = ${attention[i]!.sparsity.toFixed(4)} over ${attention[i]!.rows} post-vision rows, share β = ${split.shares[i]!.toFixed(4)}, keeps ${keep} past tokens per head (uniform budget ${capacity.keep})`,
        ];
        results.set(layer, compressedResult(name, layer, prepared, "per-kv-head", buildHeadCaches(input, past, capacity.window, (g) => g), notes, "cpu"));
      });
      return { method: name, layers: results, budgets, notes: split.notes };
    },
  };
}
