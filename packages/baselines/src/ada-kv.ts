import { buildHeadCaches, compressedResult, wholeLayerResult } from "./head-caches.js";
import { selectAcrossHeads } from "./head-adaptive.js";
import { prepareLayer } from "./layer-setup.js";
import { type LayerMethod, layerMethod } from "./method.js";
import { checkOptions, numberIn, resolveWindowScoreOptions, type WindowScoreOptions, windowScoreChecks } from "./options.js";
import { reduceGroups } from "./window-scores.js";
import { scoreHeads } from "./window-selection.js";

/** Options of `createAdaKV`. */
export interface AdaKVOptions extends WindowScoreOptions {
  /**
   * `α`, the share of the uniform per-head budget every KV head keeps whatever its
   * scores; each head keeps at least `floor(α · keep)` past tokens. Default 0.2.
   */
  readonly safeguard?: number;
}

/**
 * Creates Ada-KV (arXiv 2407.11550) on SnapKV scores: one layer's past budget,
 * `kvHeads · keep` tokens, is pooled over the KV heads and split by score mass. Every KV
 * head keeps its Top-`floor(α · keep)` positions, and the rest of the budget goes to the
 * highest remaining scores across heads (`selectAcrossHeads`), so heads with spread-out
 * attention keep more tokens than heads with concentrated attention.
 *
 * The scores are the pooled window attention reduced over each GQA group (`reduction`).
 * The cache is stored per KV head with each head's own length (layout `"per-kv-head"`,
 * `budget.keepPerHead` undefined), plus the window in every head.
 *
 * @throws OptionsError listing every invalid option
 */
export function createAdaKV(options: AdaKVOptions = {}): LayerMethod {
  const name = "adakv";
  checkOptions("createAdaKV()", options, { ...windowScoreChecks, safeguard: numberIn(0, 1) });
  const resolved = resolveWindowScoreOptions(options);
  const safeguard = options.safeguard ?? 0.2;
  return layerMethod(name, (session, layer, input) => {
    const prepared = prepareLayer(`${name}.compressLayer() layer ${layer}`, input, resolved.budget, resolved.window);
    const { capacity } = prepared;
    if (!capacity.compresses) return wholeLayerResult(name, layer, input, prepared, capacity.notes);
    const { heads, kvHeads } = prepared.shape;
    const scored = scoreHeads(session, layer, input, prepared, resolved);
    const reduced = reduceGroups(scored.scores, heads, kvHeads, capacity.pastLength, resolved.reduction);
    const floor = Math.floor(safeguard * capacity.keep);
    const past = selectAcrossHeads(reduced, kvHeads, capacity.pastLength, kvHeads * capacity.keep, floor);
    const caches = buildHeadCaches(input, past, capacity.window, (g) => g);
    return compressedResult(name, layer, prepared, "per-kv-head", caches, scored.notes, resolved.backend.name);
  });
}
