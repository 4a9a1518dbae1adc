import { createStarKV, type StarKVOptions } from "@starkv/starkv";
import { type LayerMethod, layerMethod } from "./method.js";
import { fromSharedResult } from "./method-result.js";

/**
 * Creates STaR-KV (`createStarKV(options)`) as a method: one index set shared by all KV
 * heads (layout `"shared"`). Its state (MI prior, temporal discount, entropy temperature)
 * lives in the session passed to each call, so use one session per episode.
 *
 * @throws OptionsError listing every invalid option
 */
export function createStarKVMethod(options: StarKVOptions = {}): LayerMethod {
  const compressor = createStarKV(options);
  return layerMethod("starkv", (session, layer, input) => {
    const result = compressor.compress(session, layer, input);
    return fromSharedResult(result, layer, "starkv", input.queries.shape[0]! / input.keys.shape[0]!);
  });
}
