/**
 * Runs the tasks of one kernel phase, on the calling thread alone or together with Node
 * worker threads that share the kernels' WebAssembly memory.
 *
 * The protocol runs through `Atomics` on a small shared control array. The caller writes
 * the phase into the parameter block, resets the task counter, sets the number of
 * pending workers and bumps the generation. Every thread then claims task numbers with
 * `Atomics.add` until they run out. Each worker decrements the pending count, and the
 * last one wakes the caller. The caller blocks in `Atomics.wait`, which Node allows on
 * its main thread but browsers do not, so threads need Node.
 */

/** Runs phase tasks; `participant` 0 is the calling thread. */
export interface TaskRunner {
  readonly threads: number;
  readonly memory: WebAssembly.Memory;
  /**
   * Runs tasks `0 … count − 1` of the phase in the parameter block and returns when all
   * are done. `beforeJoin` runs on the calling thread after the workers were woken and
   * before it claims tasks itself.
   *
   * @throws Error when a worker failed or did not finish in time
   */
  runTasks(count: number, beforeJoin?: () => void): void;
  dispose(): void;
}

type RunExport = (task: number, participant: number) => void;

function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): RunExport {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports["run"] as RunExport;
}

/** Runs every task on the calling thread. */
export function createInlineRunner(module: WebAssembly.Module, memory: WebAssembly.Memory): TaskRunner {
  const run = instantiate(module, memory);
  return {
    threads: 1,
    memory,
    runTasks(count, beforeJoin) {
      beforeJoin?.();
      for (let task = 0; task < count; task++) run(task, 0);
    },
    dispose() {},
  };
}

// Slots of the control array.
const generation = 0;
const nextTask = 1;
const taskCount = 2;
const pending = 3;
const stop = 4;
const failed = 5;
const controlSlots = 8;
const messageBytes = 2048;

/** The worker program (CommonJS, run with `eval: true` so that it needs no file on disk). */
const workerSource = `
const { workerData } = require("node:worker_threads");
const { module, memory, control, message, participant } = workerData;
const slots = new Int32Array(control);
const text = new Uint8Array(message);
function fail(error) {
  if (Atomics.compareExchange(slots, ${failed}, 0, 1) === 0) {
    const bytes = new TextEncoder().encode("worker " + participant + ": " + String(error && error.stack || error));
    text.set(bytes.subarray(0, text.length));
  }
}
let run;
try {
  run = new WebAssembly.Instance(module, { env: { memory } }).exports.run;
} catch (error) {
  fail(error);
}
let seen = 0;
for (;;) {
  Atomics.wait(slots, ${generation}, seen);
  seen = Atomics.load(slots, ${generation});
  if (Atomics.load(slots, ${stop}) !== 0) break;
  try {
    for (;;) {
      const task = Atomics.add(slots, ${nextTask}, 1);
      if (task >= Atomics.load(slots, ${taskCount})) break;
      run(task, participant);
    }
  } catch (error) {
    fail(error);
  }
  if (Atomics.sub(slots, ${pending}, 1) === 1) Atomics.notify(slots, ${pending});
}
`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
}
type WorkerConstructor = new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker;

/** Returns Node's `Worker` class, or undefined outside Node. Nothing is imported at module load. */
export function nodeWorkerClass(): WorkerConstructor | undefined {
  const host = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  const threads = host.process?.getBuiltinModule?.("node:worker_threads") as { Worker?: WorkerConstructor } | undefined;
  return threads?.Worker;
}

/**
 * Starts `threads − 1` worker threads. Workers are unreferenced, so they never keep a
 * Node process alive; `dispose()` stops them.
 *
 * @param timeoutMs how long the caller waits for the workers' last tasks of a phase
 */
export function createWorkerRunner(
  Worker: WorkerConstructor,
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  threads: number,
  timeoutMs: number,
): TaskRunner {
  const run = instantiate(module, memory);
  const control = new SharedArrayBuffer(controlSlots * 4);
  const message = new SharedArrayBuffer(messageBytes);
  const slots = new Int32Array(control);
  const workers: NodeWorker[] = [];
  for (let participant = 1; participant < threads; participant++) {
    const worker = new Worker(workerSource, { eval: true, workerData: { module, memory, control, message, participant } });
    worker.unref();
    workers.push(worker);
  }

  const throwIfFailed = (): void => {
    if (Atomics.load(slots, failed) === 0) return;
    const bytes = new Uint8Array(message).slice();
    const end = bytes.indexOf(0);
    const text = new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
    throw new Error(`fast-cpu backend: a worker thread failed (${text}); dispose this backend and create a new one, or use threads: 1`);
  };

  return {
    threads,
    memory,
    runTasks(count, beforeJoin) {
      throwIfFailed();
      Atomics.store(slots, nextTask, 0);
      Atomics.store(slots, taskCount, count);
      Atomics.store(slots, pending, workers.length);
      Atomics.add(slots, generation, 1);
      Atomics.notify(slots, generation);
      beforeJoin?.();
      for (;;) {
        const task = Atomics.add(slots, nextTask, 1);
        if (task >= count) break;
        run(task, 0);
      }
      // The caller ran out of tasks, so each worker has at most one task left.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const left = Atomics.load(slots, pending);
        if (left === 0) break;
        const wait = deadline - Date.now();
        if (wait <= 0) {
          throw new Error(
            `fast-cpu backend: ${left} worker thread(s) did not finish a phase within ${timeoutMs} ms; a worker may have crashed. Dispose this backend and create a new one, or use threads: 1`,
          );
        }
        Atomics.wait(slots, pending, left, wait);
      }
      throwIfFailed();
    },
    dispose() {
      Atomics.store(slots, stop, 1);
      Atomics.add(slots, generation, 1);
      Atomics.notify(slots, generation);
      for (const worker of workers) void worker.terminate();
    },
  };
}
