import { firstNonFinite } from "@starkv/core";
import { ensureMemory } from "./kernel-memory.js";
import { Param, parameterBytes } from "./kernel-params.js";
import type { TaskRunner } from "./task-runner.js";

/** Float32 values of one staged block: 512 KiB. */
const blockValues = 2 ** 17;

/**
 * Finds the index of the first NaN or infinity in `data` with the scan kernel, and
 * returns it, or -1, as core's `firstNonFinite` does.
 *
 * The values are copied into the kernels' memory one block at a time and scanned while
 * the block is still in cache. Only a block that contains a non-finite value is scanned
 * again in TypeScript, to find its index. `runner` is an inline runner of the scan module
 * over memory that is not shared, because copies into shared memory take about twice as
 * long.
 */
export function scanFinite(runner: TaskRunner, data: Float32Array): number {
  const staging = parameterBytes;
  const result = staging + blockValues * 4;
  const { memory } = runner;
  ensureMemory("fast-cpu firstNonFinite()", memory, result + 32);

  const ints = new Int32Array(memory.buffer, 0, 64);
  const heap = new Float32Array(memory.buffer);
  const sums = result / 4;
  ints[Param.scanData] = staging;
  ints[Param.scanResult] = result;
  for (let start = 0; start < data.length; start += blockValues) {
    const end = Math.min(data.length, start + blockValues);
    heap.set(data.subarray(start, end), staging / 4);
    ints[Param.scanCount] = end - start;
    runner.runTasks(1);
    if (heap[sums]! + heap[sums + 1]! + heap[sums + 2]! + heap[sums + 3]! + heap[sums + 4]! !== 0) {
      return start + firstNonFinite(data.subarray(start, end));
    }
  }
  return -1;
}
