import { formatShape, type Tensor } from "@starkv/core";
import { ensureMemory } from "./kernel-memory.js";
import { Param, parameterBytes } from "./kernel-params.js";
import type { TaskRunner } from "./task-runner.js";

/** Rows per task. */
const taskRows = 8;
/** Bytes of the staging block: small enough to stay in a core's L2 cache until the kernel reads it. */
const blockBytes = 2 ** 19;

const roundUp = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;

/**
 * Checks the arguments of `rowNorms` in O(1), since the kernel trusts them.
 *
 * @throws RangeError naming what came and what was expected
 */
export function checkRowNormArguments(where: string, rows: Tensor, start: number, end: number): void {
  if (rows.shape.length !== 2) throw new RangeError(`${where}: rows have shape ${formatShape(rows.shape)}; expected [count, width]`);
  const count = rows.shape[0]!;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > count) {
    throw new RangeError(`${where}: the range [${String(start)}, ${String(end)}) is invalid; expected integers with 0 ≤ start ≤ end ≤ ${count}`);
  }
}

/**
 * Computes the L2 norms of rows `[start, end)` of `rows` `[count, width]` with the row-norm
 * kernel, equal bit for bit to core's `hiddenNorms`.
 *
 * The rows are copied into the kernels' memory one block of about 512 KiB at a time, and
 * the kernel runs on each block while it is still in cache. The copy out of the caller's
 * `ArrayBuffer` bounds the time, so `runner` is an inline runner of the row-norm module
 * over memory that is not shared: copies into shared memory take about twice as long. The kernel memory
 * holds one block and the float64 output, whatever the number of rows.
 *
 * @returns `[end − start]` norms
 */
export function computeRowNorms(runner: TaskRunner, rows: Tensor, start: number, end: number): Float64Array {
  const width = rows.shape[1]!;
  const count = end - start;
  if (count === 0 || width === 0) return new Float64Array(count);

  const blockRows = Math.max(1, Math.min(count, Math.floor(blockBytes / (width * 4))));
  const staging = roundUp(parameterBytes, 64);
  const output = staging + roundUp(blockRows * width * 4, 64);
  const { memory } = runner;
  ensureMemory("fast-cpu rowNorms()", memory, output + count * 8);

  const ints = new Int32Array(memory.buffer, 0, 64);
  const heap = new Float32Array(memory.buffer);
  ints[Param.normWidth] = width;
  ints[Param.normChunk] = taskRows;
  ints[Param.normRows] = staging;
  ints[Param.normOut] = output;
  for (let first = start; first < end; first += blockRows) {
    const last = Math.min(end, first + blockRows);
    heap.set(rows.data.subarray(first * width, last * width), staging / 4);
    ints[Param.normCount] = last - first;
    ints[Param.normFirst] = first - start;
    runner.runTasks(Math.ceil((last - first) / taskRows));
  }
  return new Float64Array(memory.buffer, output, count).slice();
}
