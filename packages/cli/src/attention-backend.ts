import { type Backend, createCpuBackend, pool1d } from "@starkv/core";

/**
 * A backend that scores from attention probabilities a model already computed (for
 * example post-softmax maps exported by an attention hook) instead of from queries and
 * keys. `windowScores` ignores its query and key arguments and pools the given window
 * column sums; `gather` copies rows as the CPU backend does.
 *
 * @param sums `[heads, pastLength]` window column sums of the real attention
 */
export function createPrecomputedBackend(sums: Float32Array, heads: number, pastLength: number): Backend {
  const cpu = createCpuBackend();
  return {
    name: "precomputed-attention",
    windowScores(_queries, _keys, _window, kernel, pooling) {
      return pool1d(sums, heads, pastLength, kernel, pooling);
    },
    gather: (cache, positions) => cpu.gather(cache, positions),
    dispose: () => cpu.dispose(),
  };
}

/**
 * Sums the last `window` rows of post-softmax attention `[heads, tokens, tokens]` over
 * the past columns: `a[h, j] = Σ_i P[h, T − w + i, j]` for `j < T − w`.
 */
export function windowSumsFromAttention(attention: Float32Array, heads: number, tokens: number, window: number): Float32Array {
  const pastLength = tokens - window;
  const sums = new Float32Array(heads * pastLength);
  for (let h = 0; h < heads; h++) {
    for (let i = tokens - window; i < tokens; i++) {
      const row = (h * tokens + i) * tokens;
      for (let j = 0; j < pastLength; j++) sums[h * pastLength + j] = sums[h * pastLength + j]! + attention[row + j]!;
    }
  }
  return sums;
}
