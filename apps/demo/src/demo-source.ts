import type { LayerInput, Tensor } from "@starkv/core";
import type { SourceInfo } from "./protocol.js";

/** One layer's inputs, with held-out queries when the source has them. */
export type DemoLayerInput = LayerInput & { readonly evalQueries?: Tensor };

/** A source of layer inputs for the worker: the description the page shows and a reader for each layer. */
export interface DemoSource {
  readonly info: SourceInfo;
  /**
   * Returns the inputs of `layer` at `step`. Synthetic sources generate them on every
   * call (the caller keeps what it reuses); captures return the tensors they hold.
   */
  layerInput(step: number, layer: number): DemoLayerInput;
}
