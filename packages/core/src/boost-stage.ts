import { addBoost, type BoostOptions, hiddenNorms, spatialBoost } from "./boost.js";
import type { Stage } from "./stage.js";

/**
 * The hidden-state spatial boost as a head stage: over the current (last) screenshot it
 * adds `β = α · softmax(z(norm) / τ_s)` to every head's pooled attention. Rows without
 * hidden states or spans, and `α ≤ 0`, are left unchanged. Stateless.
 */
export function createBoostStage(options: BoostOptions): Stage<Record<string, never>> {
  return {
    name: "boost",
    initialState: () => ({}),
    heads(row, scores) {
      const span = row.spans.at(-1);
      const hidden = row.input.hidden;
      if (span === undefined || hidden === undefined || !(options.alpha > 0)) return;
      const boost = spatialBoost(hiddenNorms(hidden, span.start, span.end), options);
      addBoost(scores, row.heads, row.capacity.pastLength, span.start, boost);
      row.record("boost.span", [span.start, span.end]);
      row.record("boost.values", boost);
    },
  };
}
