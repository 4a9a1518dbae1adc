import type { MethodLayerResult } from "@starkv/baselines";
import { layerQuality } from "@starkv/metrics";
import type { DemoLayerInput } from "./demo-source.js";
import type { SweepPoint } from "./protocol.js";

/** Budgets of the metric-against-budget chart, in percent of the prompt. */
export const sweepPercents: readonly number[] = [5, 10, 20, 40, 70];

/**
 * Measures one method's result on one layer with `layerQuality`: attention-mass recall
 * over the observation-window queries, over the held-out queries when the input has
 * them, and the relative error of the attention output.
 */
export function sweepPoint(method: string, percent: number, input: DemoLayerInput, result: MethodLayerResult): SweepPoint {
  const quality = layerQuality(input, result, input.evalQueries === undefined ? {} : { evalQueries: input.evalQueries });
  return {
    method,
    percent,
    recall: quality.recall.window.mean,
    heldOutRecall: quality.recall.heldOut?.mean ?? null,
    outputError: quality.outputError.mean,
  };
}
