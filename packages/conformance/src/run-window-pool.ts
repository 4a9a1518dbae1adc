import { pool1d, resolveCapacity, selectPerHead, tensor, windowAttention } from "@starkv/core";
import { type CaseResult, float32Tolerance, nearZeroTolerance, runCase } from "./checker.js";
import type { Fields } from "./fields.js";
import { slice0 } from "./fixture.js";

/** `window_pool`: the reference's SnapKV base pool with per-query-head Top-K. */
export function runWindowPool(file: string, root: Fields): CaseResult[] {
  return root.children("cases").map((c, i) =>
    runCase(file, c.name(`case ${i}`), (check) => {
      const seqLen = c.number("q_len");
      const capacity = c.number("max_capacity_prompt");
      const window = c.number("window_size");
      const kernel = c.number("kernel_size");
      const pooling = c.string("pooling") as "avgpool" | "maxpool";
      const resolved = resolveCapacity(seqLen, { tokens: capacity }, window);
      check.that(`compressed is ${resolved.compresses}, expected ${c.boolean("compressed")}`, resolved.compresses === c.boolean("compressed"));
      if (!resolved.compresses) return;
      const queries = c.tensor("query_window");
      const keys = c.tensor("key");
      const values = c.tensor("value");
      const batch = queries.shape[0]!;
      const heads = queries.shape[1]!;
      const pastLength = seqLen - window;
      for (let b = 0; b < batch; b++) {
        const q = slice0(queries, b);
        const k = slice0(keys, b);
        const v = slice0(values, b);
        const attention = windowAttention(tensor(Float32Array.from(q.values), q.shape), tensor(Float32Array.from(k.values), k.shape), window, true);
        if (c.has("window_attn_probs")) check.close(`row ${b} window probabilities`, attention.probabilities, slice0(c.tensor("window_attn_probs"), b).values, nearZeroTolerance);
        if (c.has("attn_sum")) check.close(`row ${b} window sums`, attention.sums, slice0(c.tensor("attn_sum"), b).values, nearZeroTolerance);
        const pooled = pool1d(attention.sums, heads, pastLength, kernel, pooling);
        if (c.has("attn_cache")) check.close(`row ${b} pooled`, pooled, slice0(c.tensor("attn_cache"), b).values, float32Tolerance);
        const keep = capacity - window;
        const selection = selectPerHead(pooled, heads, pastLength, keep, window, tensor(Float32Array.from(k.values), k.shape), tensor(Float32Array.from(v.values), v.shape));
        check.exact(`row ${b} kept indices`, selection.kept, slice0(c.tensor("kept_indices"), b).values);
        check.exact(`row ${b} keys`, selection.keys.data, slice0(c.tensor("key_out"), b).values);
        check.exact(`row ${b} values`, selection.values.data, slice0(c.tensor("value_out"), b).values);
      }
    }),
  );
}
