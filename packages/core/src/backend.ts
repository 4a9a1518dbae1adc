import { gatherRows } from "./gather.js";
import { pool1d, type Pooling } from "./pool.js";
import type { Tensor } from "./tensor.js";
import { windowAttention } from "./window-attention.js";

/**
 * The kernels a compute backend provides. Inputs are validated before a backend sees
 * them; backends trust their arguments.
 */
export interface Backend {
  /** Reported in every result the backend produced, for example `"cpu"`. */
  readonly name: string;
  /**
   * Pooled observation-window attention `[heads, pooledLength]`: window attention column
   * sums over past positions, then 1-D pooling.
   *
   * @param queries `[heads, rows, headDim]`, the last `window` rows are used
   * @param keys `[kvHeads, seqLen, headDim]`
   */
  windowScores(queries: Tensor, keys: Tensor, window: number, kernel: number, pooling: Pooling): Float32Array;
  /** Rows `positions` of every head of `cache` `[heads, seqLen, headDim]`. */
  gather(cache: Tensor, positions: Int32Array): Tensor;
  /** Releases what the backend holds; later calls throw. */
  dispose(): void;
}

/** The reference CPU backend in plain TypeScript, always available. */
export function createCpuBackend(): Backend {
  let disposed = false;
  const check = (): void => {
    if (disposed) throw new Error("cpu backend: this backend was disposed; create a new one with createCpuBackend()");
  };
  return {
    name: "cpu",
    windowScores(queries, keys, window, kernel, pooling) {
      check();
      const heads = queries.shape[0]!;
      const pastLength = keys.shape[1]! - window;
      const { sums } = windowAttention(queries, keys, window);
      return pool1d(sums, heads, pastLength, kernel, pooling);
    },
    gather(cache, positions) {
      check();
      return gatherRows(cache, positions);
    },
    dispose() {
      disposed = true;
    },
  };
}
