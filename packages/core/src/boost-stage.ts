import { addBoost, type BoostOptions, spatialBoost } from "./boost.js";
import { finiteHiddenNorms } from "./finite-norms.js";
import type { RowContext, Stage } from "./stage.js";

/** Norms that `check` computed, kept for the `heads` hook of the same call. */
interface CheckedNorms {
  readonly start: number;
  readonly end: number;
  readonly norms: Float64Array;
}

/**
 * The hidden-state spatial boost as a head stage: over the current (last) screenshot it
 * adds `β = α · softmax(z(norm) / τ_s)` to every head's pooled attention. Rows without
 * hidden states or spans, and `α ≤ 0`, are left unchanged. Stateless.
 *
 * The boost reads only the hidden rows of the current screenshot, and only those are
 * checked for finite values (in `check`, so that a bad row fails the call before any stage
 * changes its state). `check` stores the norms it computed for `heads`, so each row is
 * read once. `heads` computes them itself when `check` did not run for the same input and
 * span.
 */
export function createBoostStage(options: BoostOptions): Stage<Record<string, never>> {
  const checked = new WeakMap<object, CheckedNorms>();
  const currentScreenshot = (row: RowContext) => {
    const span = row.spans.at(-1);
    const hidden = row.input.hidden;
    if (span === undefined || hidden === undefined || !(options.alpha > 0)) return undefined;
    return { span, hidden, where: `boost stage (batch row ${row.row})` };
  };
  return {
    name: "boost",
    initialState: () => ({}),
    check(row) {
      const current = currentScreenshot(row);
      if (current === undefined) return;
      const { span, hidden, where } = current;
      checked.set(row.input, { start: span.start, end: span.end, norms: finiteHiddenNorms(where, hidden, span.start, span.end, row.backend) });
    },
    heads(row, scores) {
      const current = currentScreenshot(row);
      if (current === undefined) return;
      const { span, hidden, where } = current;
      const stored = checked.get(row.input);
      checked.delete(row.input);
      const fresh = stored !== undefined && stored.start === span.start && stored.end === span.end;
      const norms = fresh ? stored.norms : finiteHiddenNorms(where, hidden, span.start, span.end, row.backend);
      const boost = spatialBoost(norms, options);
      addBoost(scores, row.heads, row.capacity.pastLength, span.start, boost);
      row.record("boost.span", [span.start, span.end]);
      row.record("boost.values", boost);
    },
  };
}
