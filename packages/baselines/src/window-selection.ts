import { type CallContext, clipSpans, type LayerInput, type RowContext, type Session, type Stage, topK } from "@starkv/core";
import { buildHeadCaches, compressedResult } from "./head-caches.js";
import type { PreparedLayer } from "./layer-setup.js";
import type { MethodLayerResult } from "./method-result.js";
import type { ResolvedWindowScoreOptions, SelectionWidth } from "./options.js";
import { pooledWindowScores, reduceGroups } from "./window-scores.js";

/** Changes a method makes to the pooled query-head scores before selection. */
export interface HeadScoring {
  /** Head stages (for example `createBoostStage`), run in order with their session state. */
  readonly stages?: readonly Stage[];
  /**
   * Re-weights the scores `[heads, pastLength]` in place after the stages and returns
   * notes for the result.
   */
  readonly adjust?: (scores: Float32Array, row: RowContext) => string[];
}

/** Query-head scores of one layer, ready for selection. */
export interface HeadScores {
  /** `[heads, pastLength]`. */
  readonly scores: Float32Array;
  readonly notes: string[];
}

/**
 * Computes the pooled window attention of every query head and applies `scoring`: the
 * head stages (their `check`, `begin` and `heads` hooks, with this layer's state in
 * `session`), then `adjust`.
 */
export function scoreHeads(session: Session, layer: number, input: LayerInput, prepared: PreparedLayer, options: ResolvedWindowScoreOptions, scoring: HeadScoring = {}): HeadScores {
  const { heads, kvHeads, headDim } = prepared.shape;
  const { capacity } = prepared;
  const pooled = pooledWindowScores(options.backend, input, prepared, options.kernel, options.pooling);
  const notes = [...capacity.notes];
  if (pooled.note !== undefined) notes.push(pooled.note);

  const call: CallContext = { layer, heads, kvHeads, headDim, capacity, backend: options.backend };
  const row: RowContext = { ...call, row: 0, input, spans: clipSpans(input.spans ?? [], capacity.pastLength), record: () => undefined };
  // Every stage checks the row before any stage changes its state.
  for (const stage of scoring.stages ?? []) stage.check?.(row);
  for (const stage of scoring.stages ?? []) {
    const state = session.state(stage, layer, 0);
    stage.begin?.(call, state);
    stage.heads?.(row, pooled.scores, state);
  }
  if (scoring.adjust !== undefined) notes.push(...scoring.adjust(pooled.scores, row));
  return { scores: pooled.scores, notes };
}

/**
 * Returns the Top-`counts[r]` positions of every row of `scores` `[rows, length]`, each
 * ascending. Ties go to the higher score, then to the lower position.
 */
export function topKPerRow(scores: Float32Array | Float64Array, rows: number, length: number, counts: number | ArrayLike<number>): Int32Array[] {
  const kept: Int32Array[] = [];
  for (let r = 0; r < rows; r++) {
    const count = typeof counts === "number" ? counts : counts[r]!;
    kept.push(topK(scores.subarray(r * length, (r + 1) * length), count));
  }
  return kept;
}

/**
 * Selects `keep` past positions per head from query-head scores and gathers the cache.
 *
 * With `width: "kv-head"` the scores of each GQA group are reduced first (mean or max,
 * `options.reduction`) and every KV head selects its own positions, so the cache stays at
 * KV-head width. With `"query-head"` every query head selects from its own scores and
 * reads its KV head `floor(h / G)`, as the reference SnapKV does.
 */
export function selectPerHead(
  method: string,
  layer: number,
  input: LayerInput,
  prepared: PreparedLayer,
  scored: HeadScores,
  options: ResolvedWindowScoreOptions,
  width: SelectionWidth,
  keep: number,
): MethodLayerResult {
  const { heads, kvHeads } = prepared.shape;
  const { window, pastLength } = prepared.capacity;
  if (width === "query-head") {
    const past = topKPerRow(scored.scores, heads, pastLength, keep);
    const caches = buildHeadCaches(input, past, window, (h) => Math.floor(h / prepared.groupSize));
    return compressedResult(method, layer, prepared, "per-query-head", caches, scored.notes, options.backend.name);
  }
  const reduced = reduceGroups(scored.scores, heads, kvHeads, pastLength, options.reduction);
  const past = topKPerRow(reduced, kvHeads, pastLength, keep);
  const caches = buildHeadCaches(input, past, window, (g) => g);
  return compressedResult(method, layer, prepared, "per-kv-head", caches, scored.notes, options.backend.name);
}
