import { type LayerMethod, layerMethod } from "./method.js";
import { wholeLayerResult } from "./head-caches.js";
import { prepareLayer } from "./layer-setup.js";
import { checkOptions, oneOf, resolveWindowScoreOptions, type SelectionWidth, type WindowScoreOptions, windowScoreChecks } from "./options.js";
import { scoreHeads, selectPerHead } from "./window-selection.js";

/** Options of `createSnapKV`. */
export interface SnapKVOptions extends WindowScoreOptions {
  /** Default `"kv-head"`: one index set per KV head after the group reduction. */
  readonly width?: SelectionWidth;
}

/**
 * Creates SnapKV (arXiv 2404.14469): the last `w` queries vote for past positions through
 * their attention, 1-D pooling clusters neighbours, and each head keeps its Top-`keep`
 * positions plus the window.
 *
 * By default the pooled scores of each GQA group are reduced (`reduction`, mean or max)
 * and every KV head selects its own positions, so the cache stays at KV-head width.
 * `width: "query-head"` selects per query head as the reference does (`G` times larger).
 *
 * @throws OptionsError listing every invalid option
 */
export function createSnapKV(options: SnapKVOptions = {}, name = options.width === "query-head" ? "snapkv-per-head" : "snapkv"): LayerMethod {
  checkOptions(`createSnapKV()`, options, { ...windowScoreChecks, width: oneOf("kv-head", "query-head") });
  const resolved = resolveWindowScoreOptions(options);
  const width = options.width ?? "kv-head";
  return layerMethod(name, (session, layer, input) => {
    const where = `${name}.compressLayer() layer ${layer}`;
    const prepared = prepareLayer(where, input, resolved.budget, resolved.window);
    if (!prepared.capacity.compresses) return wholeLayerResult(name, layer, input, prepared, prepared.capacity.notes);
    const scored = scoreHeads(session, layer, input, prepared, resolved);
    return selectPerHead(name, layer, input, prepared, scored, resolved, width, prepared.capacity.keep);
  });
}
