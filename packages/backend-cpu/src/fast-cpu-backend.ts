import { type Backend, checkWindowScoreArguments, gatherRows, type Pooling, type Tensor } from "@starkv/core";
import { type CallShape, kernelLayout, type KernelLayout } from "./kernel-layout.js";
import { ensureMemory, maximumPages } from "./kernel-memory.js";
import { Param, Phase } from "./kernel-params.js";
import { scanFinite } from "./finite-scan.js";
import { rowNormModule } from "./norm-kernel.js";
import { checkRowNormArguments, computeRowNorms } from "./row-norms.js";
import { scanModule } from "./scan-kernel.js";
import { createInlineRunner, createWorkerRunner, nodeWorkerClass, type TaskRunner } from "./task-runner.js";
import { windowKernelModule } from "./window-kernels.js";

/** Options of `createFastCpuBackend`. */
export interface FastCpuOptions {
  /**
   * Threads that compute one call, the calling thread included. Default: the available
   * parallelism in Node (`os.availableParallelism()`), 1 elsewhere. More than 1 needs
   * Node's `worker_threads`.
   */
  readonly threads?: number;
  /** How long a call waits for a worker's last task before it gives up; default 30 000 ms. */
  readonly workerTimeoutMs?: number;
}

/** The fast CPU backend, with what it was created with. */
export interface FastCpuBackend extends Backend {
  readonly name: "fast-cpu";
  /** Threads used per call, the calling thread included. */
  readonly threads: number;
  /** Float32 values of scratch memory the last `windowScores` call used (0 before the first). */
  readonly lastWorkingFloats: number;
  rowNorms(rows: Tensor, start: number, end: number): Float64Array;
  firstNonFinite(data: Float32Array): number;
}

const maxThreads = 256;

function defaultThreads(): number {
  const host = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  const os = host.process?.getBuiltinModule?.("node:os") as { availableParallelism?: () => number } | undefined;
  return os?.availableParallelism?.() ?? 1;
}

function resolveThreads(options: FastCpuOptions): number {
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > maxThreads) {
    throw new RangeError(`createFastCpuBackend(): threads is ${String(threads)}; expected an integer from 1 to ${maxThreads}`);
  }
  const timeout = options.workerTimeoutMs ?? 30_000;
  if (typeof timeout !== "number" || !(timeout > 0)) {
    throw new RangeError(`createFastCpuBackend(): workerTimeoutMs is ${String(timeout)}; expected a positive number of milliseconds`);
  }
  return threads;
}

function createRunner(threads: number, timeoutMs: number): TaskRunner {
  if (threads === 1) {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: maximumPages });
    return createInlineRunner(new WebAssembly.Module(windowKernelModule(false, maximumPages)), memory);
  }
  const Worker = nodeWorkerClass();
  if (Worker === undefined) {
    throw new Error(
      `createFastCpuBackend(): threads is ${threads}, but worker threads need Node's worker_threads, which this runtime lacks; pass threads: 1`,
    );
  }
  const memory = new WebAssembly.Memory({ initial: 1, maximum: maximumPages, shared: true });
  return createWorkerRunner(Worker, new WebAssembly.Module(windowKernelModule(true, maximumPages)), memory, threads, timeoutMs);
}

/** Checks the arguments of `windowScores` in O(1), since the kernels trust them. */
function callShape(queries: Tensor, keys: Tensor, window: number, kernel: number, pooling: Pooling): CallShape {
  const shape = checkWindowScoreArguments("fast-cpu windowScores()", queries, keys, window, kernel, pooling);
  return { ...shape, window, kernel, maxPool: pooling === "maxpool" };
}

/**
 * Creates the fast CPU backend. The window scores run as WebAssembly SIMD kernels with
 * register blocks of four query rows × two keys, so each key row is read once for all
 * query rows of its KV group. The work is split into tasks of 64 keys that `threads`
 * threads share. Everything is float32 with a polynomial `exp`, and pooled scores agree
 * with the `cpu` backend to about 1e-6 relative. `rowNorms` and `firstNonFinite` run SIMD
 * kernels on the calling thread and return what core's `hiddenNorms` and `firstNonFinite`
 * return, bit for bit. `gather` is the core implementation.
 *
 * Memory: the kernels keep logits `[seqLen, heads · window]` (rows rounded up to a
 * multiple of 4 per group), two staging blocks of at most 1024 keys per KV head, and the
 * column sums `[heads, pastLength + kernel − 1]`: O(heads · window · seqLen) floats
 * besides the inputs and the output. The memory grows to the largest call and is kept
 * until `dispose()`; it is limited to 2 GiB. `rowNorms` and `firstNonFinite` share their
 * own memory of one 512 KiB block plus 8 bytes per row of norms.
 *
 * @throws RangeError when `threads` is invalid
 * @throws Error when `threads > 1` outside Node
 */
export function createFastCpuBackend(options: FastCpuOptions = {}): FastCpuBackend {
  const threads = resolveThreads(options);
  const runner = createRunner(threads, options.workerTimeoutMs ?? 30_000);
  // Row norms and the finiteness scan run on the calling thread over one memory that is
  // not shared (see computeRowNorms), created on first use.
  let callerMemory: WebAssembly.Memory | undefined;
  let normRunner: TaskRunner | undefined;
  let scanRunner: TaskRunner | undefined;
  const callerRunner = (module: Uint8Array<ArrayBuffer>): TaskRunner => {
    callerMemory ??= new WebAssembly.Memory({ initial: 1, maximum: maximumPages });
    return createInlineRunner(new WebAssembly.Module(module), callerMemory);
  };
  let disposed = false;
  let lastWorkingFloats = 0;
  const check = (): void => {
    if (disposed) throw new Error("fast-cpu backend: this backend was disposed; create a new one with createFastCpuBackend()");
  };

  return {
    name: "fast-cpu",
    threads,
    get lastWorkingFloats() {
      return lastWorkingFloats;
    },
    windowScores(queries, keys, window, kernel, pooling) {
      check();
      const layout = kernelLayout(callShape(queries, keys, window, kernel, pooling), threads);
      lastWorkingFloats = layout.workingFloats;
      return computeWindowScores(runner, layout, queries, keys);
    },
    gather(cache, positions) {
      check();
      return gatherRows(cache, positions);
    },
    rowNorms(rows, start, end) {
      check();
      checkRowNormArguments("fast-cpu rowNorms()", rows, start, end);
      normRunner ??= callerRunner(rowNormModule(maximumPages));
      return computeRowNorms(normRunner, rows, start, end);
    },
    firstNonFinite(data) {
      check();
      scanRunner ??= callerRunner(scanModule(maximumPages));
      return scanFinite(scanRunner, data);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      runner.dispose();
      normRunner = undefined;
      scanRunner = undefined;
      callerMemory = undefined;
    },
  };
}

function writeParameters(memory: WebAssembly.Memory, layout: KernelLayout): Int32Array {
  const ints = new Int32Array(memory.buffer, 0, 64);
  const floats = new Float32Array(memory.buffer, 0, 64);
  ints[Param.seqLen] = layout.seqLen;
  ints[Param.paddedHeadDim] = layout.paddedHeadDim;
  ints[Param.groupRows] = layout.groupRows;
  ints[Param.totalRows] = layout.totalRows;
  ints[Param.kvHeads] = layout.kvHeads;
  ints[Param.chunk] = layout.chunk;
  ints[Param.pastLength] = layout.pastLength;
  ints[Param.window] = layout.window;
  ints[Param.groupSize] = layout.groupSize;
  ints[Param.radius] = layout.radius;
  ints[Param.kernel] = layout.kernel;
  ints[Param.maxPool] = layout.maxPool ? 1 : 0;
  ints[Param.paddedLength] = layout.paddedLength;
  ints[Param.pooledLength] = layout.pooledLength;
  ints[Param.stageCapacity] = layout.stageCapacity;
  ints[Param.queries] = layout.queries;
  ints[Param.logits] = layout.logits;
  ints[Param.maxPartials] = layout.maxPartials;
  ints[Param.totalPartials] = layout.totalPartials;
  ints[Param.scratch] = layout.scratch;
  ints[Param.rowMax] = layout.rowMax;
  ints[Param.rowInverse] = layout.rowInverse;
  ints[Param.columnSums] = layout.columnSums;
  ints[Param.pooled] = layout.pooled;
  floats[Param.scale] = 1 / Math.sqrt(layout.headDim);
  return ints;
}

/** Copies the last `window` query rows of every head into the group-major, zero-padded block. */
function stageQueries(heap: Float32Array, layout: KernelLayout, queries: Float32Array): void {
  const { heads, groupSize, window, queryRows, headDim, paddedHeadDim, groupRows } = layout;
  const base = layout.queries / 4;
  heap.fill(0, base, base + layout.totalRows * paddedHeadDim);
  for (let h = 0; h < heads; h++) {
    const group = Math.floor(h / groupSize);
    const local = h % groupSize;
    for (let i = 0; i < window; i++) {
      const from = (h * queryRows + queryRows - window + i) * headDim;
      const row = group * groupRows + local * window + i;
      heap.set(queries.subarray(from, from + headDim), base + row * paddedHeadDim);
    }
  }
}

/** Copies keys `[start, end)` of every KV head into staging buffer `buffer`. */
function stageKeys(heap: Float32Array, layout: KernelLayout, keys: Float32Array, buffer: 0 | 1, start: number, end: number): void {
  const { kvHeads, seqLen, headDim, paddedHeadDim, stageCapacity } = layout;
  const base = layout.keys[buffer] / 4;
  if (headDim === paddedHeadDim) {
    for (let g = 0; g < kvHeads; g++) {
      heap.set(keys.subarray((g * seqLen + start) * headDim, (g * seqLen + end) * headDim), base + g * stageCapacity * paddedHeadDim);
    }
    return;
  }
  // Padding columns must be zero: 0 · NaN left from an earlier call would poison the dot products.
  heap.fill(0, base, base + kvHeads * stageCapacity * paddedHeadDim);
  for (let g = 0; g < kvHeads; g++) {
    for (let j = start; j < end; j++) {
      const from = (g * seqLen + j) * headDim;
      heap.set(keys.subarray(from, from + headDim), base + (g * stageCapacity + j - start) * paddedHeadDim);
    }
  }
}

function computeWindowScores(runner: TaskRunner, layout: KernelLayout, queries: Tensor, keys: Tensor): Float32Array {
  const { memory } = runner;
  ensureMemory("fast-cpu windowScores()", memory, layout.bytes);
  const ints = writeParameters(memory, layout);
  const heap = new Float32Array(memory.buffer);
  const threads = runner.threads;
  const { totalRows, chunk, seqLen, pastLength } = layout;

  stageQueries(heap, layout, queries.data);
  heap.fill(-Infinity, layout.maxPartials / 4, layout.maxPartials / 4 + threads * totalRows);
  heap.fill(0, layout.totalPartials / 4, layout.totalPartials / 4 + threads * totalRows);

  // Phase 1, one staging block at a time. The calling thread copies the next block into
  // the other staging buffer while the workers start on the current one.
  ints[Param.phase] = Phase.logits;
  let buffer: 0 | 1 = 0;
  stageKeys(heap, layout, keys.data, 0, 0, Math.min(seqLen, layout.stageCapacity));
  for (let start = 0; start < seqLen; start += layout.stageCapacity) {
    const end = Math.min(seqLen, start + layout.stageCapacity);
    ints[Param.stageStart] = start;
    ints[Param.stageEnd] = end;
    ints[Param.keys] = layout.keys[buffer];
    const next: 0 | 1 = buffer === 0 ? 1 : 0;
    const nextEnd = Math.min(seqLen, end + layout.stageCapacity);
    runner.runTasks(Math.ceil((end - start) / chunk), () => {
      if (end < seqLen) stageKeys(heap, layout, keys.data, next, end, nextEnd);
    });
    buffer = next;
  }

  reduceRows(heap, layout.maxPartials / 4, threads, totalRows, layout.rowMax / 4, (a, b) => Math.max(a, b), -Infinity);
  ints[Param.phase] = Phase.exp;
  runner.runTasks(Math.ceil(seqLen / chunk));

  reduceRows(heap, layout.totalPartials / 4, threads, totalRows, layout.rowInverse / 4, (a, b) => a + b, 0);
  const inverse = layout.rowInverse / 4;
  for (let r = 0; r < totalRows; r++) heap[inverse + r] = 1 / heap[inverse + r]!;

  const padding = layout.maxPool ? -Infinity : 0;
  for (let h = 0; h < layout.heads; h++) {
    const row = layout.columnSums / 4 + h * layout.paddedLength;
    heap.fill(padding, row, row + layout.radius);
    heap.fill(padding, row + layout.radius + pastLength, row + layout.paddedLength);
  }
  ints[Param.phase] = Phase.combine;
  runner.runTasks(Math.ceil(pastLength / chunk));

  ints[Param.phase] = Phase.pool;
  runner.runTasks(layout.heads);
  const pooled = layout.pooled / 4;
  return heap.slice(pooled, pooled + layout.heads * layout.pooledLength);
}

/** `out[r] = combine over threads t of partials[t, r]`. */
function reduceRows(heap: Float32Array, partials: number, threads: number, rows: number, out: number, combine: (a: number, b: number) => number, start: number): void {
  for (let r = 0; r < rows; r++) {
    let value = start;
    for (let t = 0; t < threads; t++) value = combine(value, heap[partials + t * rows + r]!);
    heap[out + r] = value;
  }
}
