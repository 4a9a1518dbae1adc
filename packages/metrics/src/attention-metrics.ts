import type { MethodLayerResult } from "@starkv/baselines";
import type { LayerInput, Tensor } from "@starkv/core";
import { measureRows, type RowMeasures } from "./row-measures.js";
import { validateEvalQueries, validateResult } from "./validate.js";

/** Options of the attention metrics. */
export interface AttentionMetricOptions {
  /**
   * `[heads, n, headDim]` held-out queries (for example the queries of the tokens the model
   * generates next, after RoPE). They sit after the prompt and attend to all `T` keys.
   */
  readonly evalQueries?: Tensor;
}

/** A metric averaged over query heads and query rows. */
export interface HeadRowMean {
  /** Mean over every (head, row) pair that has a value. */
  readonly mean: number;
  /** `[heads]` mean over the rows of each query head. */
  readonly perHead: Float64Array;
  /** Query rows per head. */
  readonly rows: number;
}

/** Attention-mass recall of a compressed cache. */
export interface AttentionRecall {
  /** Over the input's query rows (the observation window), causal. */
  readonly window: HeadRowMean;
  /** Over `evalQueries`, when given. */
  readonly heldOut?: HeadRowMean;
}

/** Relative error of the attention output of a compressed cache. */
export interface OutputError extends HeadRowMean {
  /** The queries used: `evalQueries` when given, the window rows otherwise. */
  readonly queries: "held-out" | "window";
  /** Rows whose full output is the zero vector, where the relative error is undefined; they are left out of the means. */
  readonly zeroNormRows: number;
}

/** Recall and output error of one layer's result. */
export interface LayerQuality {
  readonly recall: AttentionRecall;
  readonly outputError: OutputError;
}

function meanOver(values: Float64Array, heads: number, rows: number): HeadRowMean & { skipped: number } {
  const perHead = new Float64Array(heads);
  let total = 0;
  let counted = 0;
  for (let h = 0; h < heads; h++) {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < rows; i++) {
      const value = values[h * rows + i]!;
      if (Number.isNaN(value)) continue;
      sum += value;
      count++;
    }
    perHead[h] = count > 0 ? sum / count : Number.NaN;
    total += sum;
    counted += count;
  }
  return { mean: counted > 0 ? total / counted : Number.NaN, perHead, rows, skipped: heads * rows - counted };
}

function windowMeasures(input: LayerInput, result: MethodLayerResult): RowMeasures {
  const rows = input.queries.shape[1]!;
  const seqLen = input.keys.shape[1]!;
  return measureRows(input, result, input.queries, (i) => seqLen - rows + i);
}

function heldOutMeasures(input: LayerInput, result: MethodLayerResult, evalQueries: Tensor): RowMeasures {
  const seqLen = input.keys.shape[1]!;
  return measureRows(input, result, evalQueries, () => seqLen - 1);
}

function recallOf(measures: RowMeasures, heads: number): HeadRowMean {
  const { mean, perHead, rows } = meanOver(measures.recall, heads, measures.rows);
  return { mean, perHead, rows };
}

function errorOf(measures: RowMeasures, heads: number, queries: "held-out" | "window"): OutputError {
  const { mean, perHead, rows, skipped } = meanOver(measures.error, heads, measures.rows);
  return { mean, perHead, rows, queries, zeroNormRows: skipped };
}

/**
 * Computes the attention-mass recall of a result: for each query row, the share of its
 * softmax attention over the full cache that falls on positions the row's cache head
 * kept, averaged over query heads and rows.
 *
 * The input's query rows are the last `rows` prompt tokens; row `i` sits at position
 * `T − rows + i` and attends to the keys up to it (causal). Held-out queries attend to all
 * `T` keys. Query
 * head `h` reads KV head `floor(h / G)` and the result's cache head
 * `floor(h / queryHeadsPerCacheHead)`. A cache that keeps every position has recall 1.
 *
 * @throws RangeError when the input, the result or `evalQueries` do not fit together
 */
export function attentionRecall(input: LayerInput, result: MethodLayerResult, options: AttentionMetricOptions = {}): AttentionRecall {
  const shape = validateResult("attentionRecall()", input, result);
  if (options.evalQueries !== undefined) validateEvalQueries("attentionRecall()", options.evalQueries, shape);
  const window = recallOf(windowMeasures(input, result), shape.heads);
  if (options.evalQueries === undefined) return { window };
  return { window, heldOut: recallOf(heldOutMeasures(input, result, options.evalQueries), shape.heads) };
}

/**
 * Computes the relative error of the attention output, `‖o_c − o_f‖₂ / ‖o_f‖₂` with
 * `o = softmax(q Kᵀ / √D) V`, between the result's cache (each cache head with its own
 * length) and the full cache, averaged over query heads and rows. It uses `evalQueries`
 * when given (attending to all `T` keys) and the input's window rows otherwise (causal, as in
 * `attentionRecall`). A row whose cache head keeps no visible key has output 0 and error 1.
 *
 * @throws RangeError when the input, the result or `evalQueries` do not fit together
 */
export function outputError(input: LayerInput, result: MethodLayerResult, options: AttentionMetricOptions = {}): OutputError {
  const shape = validateResult("outputError()", input, result);
  if (options.evalQueries === undefined) return errorOf(windowMeasures(input, result), shape.heads, "window");
  validateEvalQueries("outputError()", options.evalQueries, shape);
  return errorOf(heldOutMeasures(input, result, options.evalQueries), shape.heads, "held-out");
}

/**
 * Computes `attentionRecall` and `outputError` together, sharing the attention passes.
 *
 * @throws RangeError when the input, the result or `evalQueries` do not fit together
 */
export function layerQuality(input: LayerInput, result: MethodLayerResult, options: AttentionMetricOptions = {}): LayerQuality {
  const shape = validateResult("layerQuality()", input, result);
  const window = windowMeasures(input, result);
  if (options.evalQueries === undefined) {
    return { recall: { window: recallOf(window, shape.heads) }, outputError: errorOf(window, shape.heads, "window") };
  }
  validateEvalQueries("layerQuality()", options.evalQueries, shape);
  const heldOut = heldOutMeasures(input, result, options.evalQueries);
  return {
    recall: { window: recallOf(window, shape.heads), heldOut: recallOf(heldOut, shape.heads) },
    outputError: errorOf(heldOut, shape.heads, "held-out"),
  };
}
