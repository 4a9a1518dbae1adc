import type { LayerInput } from "@starkv/core";
import type { LayerCache } from "./decode.js";

/** Returns the uncompressed cache of a prefill: one cache head per KV head with every position. */
export function fullCache(layer: LayerInput): LayerCache {
  const [kvHeads, length, headDim] = layer.keys.shape as [number, number, number];
  const heads = layer.queries.shape[0]!;
  const positions = Int32Array.from({ length }, (_, i) => i);
  const size = length * headDim;
  return {
    queryHeadsPerCacheHead: heads / kvHeads,
    heads: Array.from({ length: kvHeads }, (_, g) => ({
      keys: { data: layer.keys.data.subarray(g * size, (g + 1) * size) },
      values: { data: layer.values.data.subarray(g * size, (g + 1) * size) },
      positions,
    })),
  };
}
