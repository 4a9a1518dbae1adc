import type { Backend } from "./backend.js";
import type { Capacity } from "./budget.js";
import type { StageState } from "./json.js";
import type { ClippedSpan, ImageSpan } from "./spans.js";
import type { Tensor } from "./tensor.js";

/** The tensors and spans of one prefill of one layer. */
export interface LayerInput {
  /** `[heads, rows, headDim]`: queries of the last `rows ≥ window` prompt tokens, after RoPE. */
  readonly queries: Tensor;
  /** `[kvHeads, seqLen, headDim]`: keys after RoPE, at KV-head width. */
  readonly keys: Tensor;
  /** `[kvHeads, seqLen, headDim]`. */
  readonly values: Tensor;
  /** `[seqLen]` hidden-state norms or `[seqLen, hidden]` hidden states (attention input after its RMSNorm). */
  readonly hidden?: Tensor;
  /** Screenshot token ranges, oldest first; the last one is the current screenshot. */
  readonly spans?: readonly ImageSpan[];
}

/** Facts of one compression call, shared by every batch row in it. */
export interface CallContext {
  readonly layer: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** Capacity, clamped window, past length and kept count of this prefill. */
  readonly capacity: Capacity;
  /** The backend of the call, for stages that use its optional kernels (`rowNorms`). */
  readonly backend?: Backend;
}

/** Facts of one batch row, seen by head and token stages. */
export interface RowContext extends CallContext {
  /** Batch row index. */
  readonly row: number;
  readonly input: LayerInput;
  /** The row's spans clipped to the past positions `[0, L)`; the last is the current screenshot. */
  readonly spans: readonly ClippedSpan[];
  /** Records an intermediate value when tracing is on; does nothing otherwise. */
  record(key: string, value: unknown): void;
}

/** Head-level scores of one batch row, as passed to the batch hook. */
export interface RowHeadScores {
  readonly row: number;
  /** `[heads, pastLength]` after every head stage. */
  readonly scores: Float32Array;
}

/** The row facts and head-level scores passed to token stages besides the token scores. */
export interface TokenContext extends RowContext {
  /** `[heads, pastLength]`, pooled window attention after the head stages. */
  readonly headScores: Float32Array;
  /** `S` `[kvHeads, pastLength]`, the mean of `headScores` over each KV group. */
  readonly groupScores: Float64Array;
  /** `g*` `[pastLength]`: the group with the largest `S` per position, ties to the lowest. */
  bestGroup(): Int32Array;
}

/**
 * One step of a compression pipeline with its own per-layer state.
 *
 * The compressor calls the hooks in this order for each call:
 * `begin` (every call, even when nothing is compressed), then, when compressing,
 * `heads` per batch row, `batch` once with every row, and `tokens` per row. State lives
 * in the session, one object per layer (and per batch row unless the batch shares state).
 * Hooks update it in place, so it must stay JSON.
 */
export interface Stage<State extends StageState = StageState> {
  /** Unique within a pipeline; names the state in sessions and traces. */
  readonly name: string;
  /** State of a layer that has not been seen yet. */
  initialState(): State;
  /**
   * Rejects a row this stage cannot handle, before any stage changes its state, so a
   * failed call leaves the session as it was. Throw an error that names the problem.
   */
  check?(row: RowContext): void;
  /** State after an episode reset; the default is `initialState()`. */
  resetState?(state: State): State;
  begin?(call: CallContext, state: State): void;
  /** Re-weights head scores `[heads, pastLength]` in place. */
  heads?(row: RowContext, scores: Float32Array, state: State): void;
  /** Sees the head scores of every row that shares this state, after the head stages. */
  batch?(call: CallContext, rows: readonly RowHeadScores[], state: State): void;
  /** Re-weights the token scores `[pastLength]` in place. */
  tokens?(row: TokenContext, scores: Float64Array, state: State): void;
}

/** Chooses which past positions to keep from the final token scores. */
export interface Selector {
  readonly name: string;
  /**
   * Returns `count` distinct past positions in ascending order.
   *
   * @param scores `[pastLength]` final token scores
   */
  select(scores: Float64Array, count: number, row: TokenContext): Int32Array;
}
