import { createBoostStage } from "@starkv/core";
import { wholeLayerResult } from "./head-caches.js";
import { prepareLayer } from "./layer-setup.js";
import { type LayerMethod, layerMethod } from "./method.js";
import { checkOptions, integerFrom, numberIn, oneOf, resolveWindowScoreOptions, type SelectionWidth, type WindowScoreOptions, windowScoreChecks } from "./options.js";
import { type KeySubspace, redundantTokens } from "./temporal-redundancy.js";
import { scoreHeads, selectPerHead } from "./window-selection.js";

/** Options of `createGuiKV`. */
export interface GuiKVOptions extends WindowScoreOptions {
  /** `α`, total boost mass per head over the current screenshot; default 2. 0 switches the boost off. */
  readonly alpha?: number;
  /** `τ`, softmax temperature of the boost; default 3.5. */
  readonly temperature?: number;
  /** `r` of the redundancy subspace before `min(r, n, headDim)`; default 32. */
  readonly rank?: number;
  /** Default `"first-keys"` (GUI-KV's unpivoted QR); `"principal"` uses the top singular subspace. */
  readonly subspace?: KeySubspace;
  /** Default `"kv-head"`; `"query-head"` selects per query head like the reference. */
  readonly width?: SelectionWidth;
}

/**
 * Creates GUI-KV (arXiv 2510.00536): SnapKV scores plus two GUI terms.
 *
 * 1. Spatial saliency: the hidden-state-norm boost on the current screenshot (core's
 *    `createBoostStage`, `α = 2`, `τ = 3.5`), when the input has hidden states.
 * 2. Temporal redundancy, with two or more screenshots: per KV head the earlier-screenshot
 *    tokens whose keys the current screenshot's key subspace explains best get score 0,
 *    `floor((1 − C/T) · N_prev)` of them (see `redundantTokens`).
 *
 * Then every head keeps its Top-`keep` positions plus the window, at KV-head width after
 * the group reduction unless `width: "query-head"`.
 *
 * @throws OptionsError listing every invalid option
 */
export function createGuiKV(options: GuiKVOptions = {}, name = options.subspace === "principal" ? "guikv-subspace" : "guikv"): LayerMethod {
  checkOptions("createGuiKV()", options, {
    ...windowScoreChecks,
    alpha: numberIn(0, Infinity),
    temperature: numberIn(0, Infinity, true),
    rank: integerFrom(1),
    subspace: oneOf("first-keys", "principal"),
    width: oneOf("kv-head", "query-head"),
  });
  const resolved = resolveWindowScoreOptions(options);
  const width = options.width ?? "kv-head";
  const subspace = options.subspace ?? "first-keys";
  const rank = options.rank ?? 32;
  const boost = createBoostStage({ alpha: options.alpha ?? 2, temperature: options.temperature ?? 3.5 });

  return layerMethod(name, (session, layer, input) => {
    const prepared = prepareLayer(`${name}.compressLayer() layer ${layer}`, input, resolved.budget, resolved.window);
    const { capacity } = prepared;
    if (!capacity.compresses) return wholeLayerResult(name, layer, input, prepared, capacity.notes);
    const scored = scoreHeads(session, layer, input, prepared, resolved, {
      stages: [boost],
      adjust(scores, row) {
        const keepRatio = capacity.capacity / capacity.seqLen;
        const redundant = redundantTokens(input.keys, row.spans, { rank, subspace, keepRatio });
        if (redundant.previousTokens === 0) return [];
        for (let h = 0; h < row.heads; h++) {
          const offset = h * capacity.pastLength;
          for (const j of redundant.positions[Math.floor(h / prepared.groupSize)]!) scores[offset + j] = 0;
        }
        const zeroed = redundant.positions[0]!.length;
        return [`temporal redundancy: ${zeroed} of ${redundant.previousTokens} earlier-screenshot tokens per KV head got score 0 (β = C/T = ${keepRatio.toPrecision(4)}, ${subspace} subspace)`];
      },
    });
    return selectPerHead(name, layer, input, prepared, scored, resolved, width, capacity.keep);
  });
}
