import type { Backend } from "./backend.js";
import { hiddenNorms } from "./boost.js";
import { formatShape, type Tensor } from "./tensor.js";
import { firstNonFinite } from "./validate.js";

/**
 * Computes the L2 norms of the hidden-state rows `[start, end)` and checks that every value
 * it reads is finite. Rows outside `[start, end)` are neither read nor checked.
 *
 * The check costs no extra pass. A float64 sum of squares of float32 values is finite
 * exactly when every value is, because a row would need more than 1e231 values to
 * overflow. So only a row whose norm is not finite is read again, to name the bad value.
 *
 * @param where the caller, for example `"boost stage (batch row 0)"`
 * @param hidden `[seqLen]` norms already computed, or `[seqLen, hidden]` states
 * @param backend its `rowNorms` kernel computes the norms of `[seqLen, hidden]` states when
 *   it has one; `hiddenNorms` does otherwise
 * @returns `[end − start]` norms
 * @throws RangeError naming the first non-finite value in `[start, end)`, its index and
 *   what to do
 */
export function finiteHiddenNorms(where: string, hidden: Tensor, start: number, end: number, backend?: Backend): Float64Array {
  const norms = hidden.shape.length === 2 && backend?.rowNorms !== undefined ? backend.rowNorms(hidden, start, end) : hiddenNorms(hidden, start, end);
  for (let j = 0; j < norms.length; j++) {
    if (!Number.isFinite(norms[j])) throw nonFiniteRow(where, hidden, start, end, start + j);
  }
  return norms;
}

function nonFiniteRow(where: string, hidden: Tensor, start: number, end: number, row: number): RangeError {
  const width = hidden.shape.length === 2 ? hidden.shape[1]! : 1;
  const column = Math.max(0, firstNonFinite(hidden.data.subarray(row * width, (row + 1) * width)));
  const index = hidden.shape.length === 2 ? [row, column] : [row];
  return new RangeError(
    `${where}: hidden contains ${hidden.data[row * width + column]} at index ${formatShape(index)} (shape ${formatShape(hidden.shape)}), in the rows [${start}, ${end}) that the boost reads; every value there must be finite. Recompute the hidden states, or leave hidden out to skip the boost`,
  );
}
