import { hiddenNorms } from "./boost.js";
import { gatherRows } from "./gather.js";
import { firstNonFinite } from "./validate.js";
import { pool1d, type Pooling } from "./pool.js";
import { formatShape, type Tensor } from "./tensor.js";
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
  /**
   * Optional: the L2 norm of each row `[start, end)` of `rows` `[count, width]`, equal bit
   * for bit to `hiddenNorms`. Float64 squares go into four partial sums by column `d mod 4`
   * (the columns after the last multiple of 4 into the first), which are added in order
   * before the square root. Callers use `hiddenNorms` when a backend has no such kernel.
   */
  rowNorms?(rows: Tensor, start: number, end: number): Float64Array;
  /**
   * Optional: the index of the first NaN or infinity in `data`, or -1, as core's
   * `firstNonFinite` returns it. Input validation uses core's function when a backend has
   * no such kernel.
   */
  firstNonFinite?(data: Float32Array): number;
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
    rowNorms(rows, start, end) {
      check();
      return hiddenNorms(rows, start, end);
    },
    firstNonFinite(data) {
      check();
      return firstNonFinite(data);
    },
    dispose() {
      disposed = true;
    },
  };
}

/** The sizes of one `windowScores` call. */
export interface WindowScoreShape {
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** Query rows given; the window uses the last `window` of them. */
  readonly queryRows: number;
  readonly seqLen: number;
}

/**
 * Checks the arguments of a backend's `windowScores` in O(1), for backends whose kernels
 * trust their input: ranks, GQA divisibility, equal head dimensions, a window within the
 * query rows and below the prompt length, a positive kernel and a known pooling.
 *
 * @param where the backend method, for example `"fast-cpu windowScores()"`
 * @throws RangeError naming the argument, what came and what was expected
 */
export function checkWindowScoreArguments(where: string, queries: Tensor, keys: Tensor, window: number, kernel: number, pooling: Pooling): WindowScoreShape {
  if (queries.shape.length !== 3 || keys.shape.length !== 3) {
    throw new RangeError(`${where}: queries have shape ${formatShape(queries.shape)} and keys ${formatShape(keys.shape)}; expected [heads, rows, headDim] and [kvHeads, seqLen, headDim]`);
  }
  const [heads, queryRows, headDim] = queries.shape as [number, number, number];
  const [kvHeads, seqLen, keyDim] = keys.shape as [number, number, number];
  if (kvHeads < 1 || heads % kvHeads !== 0 || headDim !== keyDim || headDim < 1) {
    throw new RangeError(
      `${where}: queries have shape ${formatShape(queries.shape)} and keys ${formatShape(keys.shape)}; heads must be a multiple of kvHeads and both headDim equal and positive`,
    );
  }
  if (!Number.isInteger(window) || window < 1 || window > queryRows || window >= seqLen) {
    throw new RangeError(`${where}: window is ${String(window)}; expected an integer from 1 to min(query rows ${queryRows}, seqLen ${seqLen} − 1)`);
  }
  if (!Number.isInteger(kernel) || kernel < 1) throw new RangeError(`${where}: kernel is ${String(kernel)}; expected a positive integer`);
  if (pooling !== "avgpool" && pooling !== "maxpool") throw new RangeError(`${where}: pooling is ${String(pooling)}; expected "avgpool" or "maxpool"`);
  return { heads, kvHeads, headDim, queryRows, seqLen };
}
