import { type Budget, type Capacity, type InputShape, type LayerInput, resolveCapacity, validateLayerInputs } from "@starkv/core";

/** A validated layer input with its resolved budget. */
export interface PreparedLayer {
  readonly shape: InputShape;
  readonly capacity: Capacity;
  /** `G`, query heads per KV head. */
  readonly groupSize: number;
}

/**
 * Validates one layer input and resolves its budget with the same semantics as STaR-KV
 * (`resolveCapacity`): capacity `C` includes the window, the window is clamped to
 * `max(1, min(w, C − 2))`, and `keep` past tokens are kept when `T ≥ C`.
 *
 * @throws RangeError when the input is invalid or has fewer query rows than the window
 */
export function prepareLayer(where: string, input: LayerInput, budget: Budget, window: number): PreparedLayer {
  const shape = validateLayerInputs(where, [input]);
  const capacity = resolveCapacity(shape.seqLen, budget, window);
  if (capacity.compresses && capacity.window > shape.windowRows) {
    throw new RangeError(
      `${where}: queries hold ${shape.windowRows} window rows but the window is ${capacity.window}; pass the queries of the last ${capacity.window} tokens or set window: ${shape.windowRows}`,
    );
  }
  return { shape, capacity, groupSize: shape.heads / shape.kvHeads };
}
