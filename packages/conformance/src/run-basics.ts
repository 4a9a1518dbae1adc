import { resolveCapacity } from "@starkv/core";
import { groupMI, groupWeights, guessGrid, miScore2d, positionBins } from "@starkv/mi";
import { clipSpans } from "@starkv/core";
import { type CaseResult, float32Tolerance, float64Tolerance, runCase } from "./checker.js";
import { type Fields } from "./fields.js";

/** `budget_capacity`: percent → capacity, window clamp, kept past tokens. */
export function runBudgetCapacity(file: string, root: Fields): CaseResult[] {
  return root.children("cases").map((c, i) =>
    runCase(file, `${c.number("seq_len")} tokens at ${c.number("budget_percent")} % (case ${i})`, (check) => {
      const window = c.has("window_cfg") ? c.number("window_cfg") : 8;
      const resolved = resolveCapacity(c.number("seq_len"), { percent: c.number("budget_percent") }, window);
      check.exact("capacity", resolved.capacity, c.number("max_capacity_prompt"));
      check.exact("window", resolved.window, c.number("window_size"));
      check.that(`compresses is ${resolved.compresses}, expected ${c.boolean("compresses")}`, resolved.compresses === c.boolean("compresses"));
      const formulaKeep = c.number("k_keep");
      // The formula gives C − w; a prefill still keeps one past token when that is 0.
      if (resolved.compresses) check.exact("kept past tokens", resolved.keep, Math.max(1, formulaKeep));
      if (resolved.compresses && formulaKeep < 1) check.that("a note explains the extra kept token", resolved.notes.length > 0);
    }),
  );
}

/** `vision_grid_shape`: the square grid guess and the position bins. */
export function runGridShape(file: string, root: Fields): CaseResult[] {
  const results = root.children("grid_shape_cases").map((c) =>
    runCase(file, `grid guess for ${c.number("vision_len")} tokens`, (check) => {
      check.exact("grid", guessGrid(c.number("vision_len")), c.pair("grid"));
    }),
  );
  for (const c of root.children("position_bin_cases")) {
    results.push(
      runCase(file, `position bins for ${c.number("vision_len")} tokens`, (check) => {
        const tokens = c.number("vision_len");
        const grid = guessGrid(tokens);
        check.exact("grid", grid, c.pair("grid"));
        const bins = positionBins(tokens, grid, { rows: c.number("n_row_bins"), cols: c.number("n_col_bins") });
        check.exact("row bins", bins.rowBins, c.tensor("row_bins").values);
        check.exact("column bins", bins.colBins, c.tensor("col_bins").values);
      }),
    );
  }
  return results;
}

/** `mi_score_2d`: the rank-binned MI on explicit inputs. */
export function runMIScore(file: string, root: Fields): CaseResult[] {
  return root.children("cases").map((c, i) =>
    runCase(file, c.name(`case ${i}`), (check) => {
      const mi = miScore2d(c.tensor("p_norm").values, c.tensor("row_bins").values, c.tensor("col_bins").values, {
        rows: c.number("n_row_bins"),
        cols: c.number("n_col_bins"),
        values: c.number("n_val_bins"),
      });
      check.close("mi", mi, c.number("mi"), float64Tolerance);
    }),
  );
}

/** `mi_group_scores`: MI per group over the last clipped span. */
export function runGroupMI(file: string, root: Fields): CaseResult[] {
  return root.children("cases").map((c, i) =>
    runCase(file, c.name(`case ${i}`), (check) => {
      const scores = c.tensor("S");
      const [kvHeads, length] = scores.shape as [number, number];
      const span = clipSpans(c.spans("spans"), c.number("past_seq_len")).at(-1);
      if (span === undefined) {
        check.that("no span survives clipping, as expected", !c.has("mi"));
        return;
      }
      const result = groupMI(scores.values, kvHeads, length, span);
      check.close("mi (float32)", result.mi, c.tensor("mi").values, float32Tolerance);
      const exact = c.raw("mi_float64");
      if (Array.isArray(exact)) check.close("mi (float64)", result.exact, exact as number[], { rtol: 1e-10, atol: 1e-12 });
      if (c.has("grid")) check.exact("grid", result.grid, c.pair("grid"));
    }),
  );
}

/** `mi_group_weights`: min-max normalisation and softmax. */
export function runGroupWeights(file: string, root: Fields): CaseResult[] {
  return root.children("cases").map((c, i) =>
    runCase(file, c.name(`case ${i}`), (check) => {
      check.close("weights", groupWeights(c.tensor("mi").values, c.number("tau")), c.tensor("w").values, float32Tolerance);
    }),
  );
}
