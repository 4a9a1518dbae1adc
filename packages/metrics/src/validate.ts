import { type MethodLayerResult } from "@starkv/baselines";
import { assertFinite, assertRank, formatShape, type InputShape, type LayerInput, type Tensor, validateLayerInputs } from "@starkv/core";

/**
 * Checks a layer input and a method's result for it: the cache heads must cover the query
 * heads, every cache head must hold `[kept, headDim]` keys and values with `kept`
 * positions, ascending, unique and inside the prompt.
 *
 * @throws RangeError or TypeError naming the cache head and what is wrong
 */
export function validateResult(where: string, input: LayerInput, result: MethodLayerResult): InputShape {
  const shape = validateLayerInputs(where, [input]);
  const given: unknown = result;
  if (typeof given !== "object" || given === null || !Array.isArray((given as Partial<MethodLayerResult>).heads)) {
    throw new TypeError(`${where}: result is not a method result; pass what a method's compressLayer() or compressStep() returned`);
  }
  const perCacheHead = result.queryHeadsPerCacheHead;
  if (!Number.isInteger(perCacheHead) || perCacheHead < 1 || result.heads.length * perCacheHead !== shape.heads) {
    throw new RangeError(
      `${where}: result has ${result.heads.length} cache heads read by ${perCacheHead} query heads each, but the input has ${shape.heads} query heads; pass the result computed from this input`,
    );
  }
  for (const [e, head] of result.heads.entries()) {
    const kept = head.positions.length;
    for (const [name, cache] of [["keys", head.keys], ["values", head.values]] as const) {
      if (cache.shape.length !== 2 || cache.shape[0] !== kept || cache.shape[1] !== shape.headDim) {
        throw new RangeError(`${where}: cache head ${e} has ${name} of shape ${formatShape(cache.shape)} but ${kept} positions and headDim ${shape.headDim}; expected [${kept}, ${shape.headDim}]`);
      }
    }
    for (let s = 0; s < kept; s++) {
      const position = head.positions[s]!;
      if (!Number.isInteger(position) || position < 0 || position >= shape.seqLen || (s > 0 && position <= head.positions[s - 1]!)) {
        throw new RangeError(
          `${where}: cache head ${e} has position ${position} at slot ${s}; positions must be ascending, unique and in [0, ${shape.seqLen}) for a prompt of ${shape.seqLen} tokens`,
        );
      }
    }
  }
  return shape;
}

/** Checks held-out queries `[heads, n, headDim]` against the input's shape. */
export function validateEvalQueries(where: string, evalQueries: Tensor, shape: InputShape): void {
  assertRank(where, "evalQueries", evalQueries, ["heads", "queries", "headDim"]);
  const [heads, count, headDim] = evalQueries.shape as [number, number, number];
  if (heads !== shape.heads || headDim !== shape.headDim || count < 1) {
    throw new RangeError(
      `${where}: evalQueries has shape ${formatShape(evalQueries.shape)} but the layer has ${shape.heads} query heads of headDim ${shape.headDim}; expected [${shape.heads}, n ≥ 1, ${shape.headDim}]`,
    );
  }
  assertFinite(where, "evalQueries", evalQueries);
}
