import type { WindowScoreShape } from "@starkv/core";
import { parameterBytes } from "./kernel-params.js";

/** Sizes of one `windowScores` call. */
export interface CallShape extends WindowScoreShape {
  readonly window: number;
  readonly kernel: number;
  readonly maxPool: boolean;
}

/** Byte addresses of a call's buffers in the kernels' memory, and the derived sizes. */
export interface KernelLayout extends CallShape {
  readonly groupSize: number;
  readonly paddedHeadDim: number;
  readonly groupRows: number;
  readonly totalRows: number;
  readonly pastLength: number;
  readonly radius: number;
  readonly paddedLength: number;
  readonly pooledLength: number;
  readonly chunk: number;
  readonly stageCapacity: number;
  /** Byte addresses. */
  readonly queries: number;
  readonly keys: readonly [number, number];
  readonly logits: number;
  readonly maxPartials: number;
  readonly totalPartials: number;
  readonly scratch: number;
  readonly rowMax: number;
  readonly rowInverse: number;
  readonly columnSums: number;
  readonly pooled: number;
  /** Bytes of memory the call needs. */
  readonly bytes: number;
  /**
   * Float32 values of scratch memory besides the parameter block: logits
   * `seqLen · totalRows`, two key staging blocks, column sums, queries and per-thread
   * row statistics.
   */
  readonly workingFloats: number;
}

const roundUp = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;

/** Keys per task, and the most keys staged per KV head at once. */
export const taskKeys = 64;
export const stageKeys = 1024;

/**
 * Lays out the buffers of a call for `threads` threads. The pooled output reuses the
 * logits area, which is no longer read once pooling starts.
 */
export function kernelLayout(shape: CallShape, threads: number): KernelLayout {
  const { heads, kvHeads, headDim, seqLen, window, kernel } = shape;
  const groupSize = heads / kvHeads;
  const paddedHeadDim = roundUp(headDim, 8);
  const groupRows = roundUp(groupSize * window, 4);
  const totalRows = kvHeads * groupRows;
  const pastLength = seqLen - window;
  const radius = Math.floor(kernel / 2);
  const paddedLength = pastLength + 2 * radius;
  const pooledLength = paddedLength - kernel + 1;
  const stageCapacity = Math.min(seqLen, stageKeys);

  let cursor = parameterBytes;
  const take = (floats: number): number => {
    const at = cursor;
    cursor = roundUp(cursor + floats * 4, 64);
    return at;
  };
  const queries = take(totalRows * paddedHeadDim);
  const keys: [number, number] = [take(kvHeads * stageCapacity * paddedHeadDim), take(kvHeads * stageCapacity * paddedHeadDim)];
  const logits = take(Math.max(seqLen * totalRows, heads * pooledLength));
  const maxPartials = take(threads * totalRows);
  const totalPartials = take(threads * totalRows);
  const scratch = take(threads * totalRows);
  const rowMax = take(totalRows);
  const rowInverse = take(totalRows);
  const columnSums = take(heads * paddedLength);
  return {
    ...shape,
    groupSize,
    paddedHeadDim,
    groupRows,
    totalRows,
    pastLength,
    radius,
    paddedLength,
    pooledLength,
    chunk: taskKeys,
    stageCapacity,
    queries,
    keys,
    logits,
    maxPartials,
    totalPartials,
    scratch,
    rowMax,
    rowInverse,
    columnSums,
    pooled: logits,
    bytes: cursor,
    workingFloats: (cursor - parameterBytes) / 4,
  };
}
