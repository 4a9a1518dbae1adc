/**
 * Runs the tasks of one kernel phase, on the calling thread alone or together with Node
 * worker threads that share the kernels' WebAssembly memory.
 *
 * The protocol runs through `Atomics` on a small shared control array. The caller writes
 * the phase into the parameter block, the task count and a zero done count. It then
 * publishes a claim word that contains the phase's generation tag (11 bits) over the next
 * task number (20 bits), bumps the generation and wakes the workers. Every thread claims
 * task numbers with a compare-and-exchange on the claim word, which fails once the next
 * phase has replaced the tag, so a worker that wakes late can never claim a task of the
 * wrong phase. Each finished task adds to the done count, and the caller returns when it
 * reaches the task count. So the caller never waits for a worker that claimed nothing,
 * which matters when other processes keep the workers off the cores. The caller blocks in
 * `Atomics.wait`, which Node allows on its main thread but browsers do not, so threads
 * need Node.
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
const claim = 1;
const taskCount = 2;
const done = 3;
const stop = 4;
const failed = 5;
const controlSlots = 8;
const messageBytes = 2048;
// The claim word: generation tag in bits 20 to 30, next task number in bits 0 to 19.
const tagShift = 20;
const tagMask = 0x7ff;
const taskMask = 0xfffff;
/** Maximum tasks of one phase, so that task numbers fit below the tag. */
export const maxPhaseTasks = taskMask;

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
  const tag = seen & ${tagMask};
  try {
    for (;;) {
      const word = Atomics.load(slots, ${claim});
      if (((word >>> ${tagShift}) & ${tagMask}) !== tag) break;
      const task = word & ${taskMask};
      const count = Atomics.load(slots, ${taskCount});
      if (task >= count) break;
      if (Atomics.compareExchange(slots, ${claim}, word, word + 1) !== word) continue;
      run(task, participant);
      if (Atomics.add(slots, ${done}, 1) + 1 === count) Atomics.notify(slots, ${done});
    }
  } catch (error) {
    fail(error);
    Atomics.notify(slots, ${done});
  }
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
      if (count > maxPhaseTasks) throw new RangeError(`fast-cpu backend: a phase has ${count} tasks, more than the maximum of ${maxPhaseTasks}; use fewer tokens per call`);
      Atomics.store(slots, taskCount, count);
      Atomics.store(slots, done, 0);
      const next = (Atomics.load(slots, generation) + 1) | 0;
      // The claim word gets the new tag before the generation moves, so a worker that reads
      // the new generation also reads this phase's claim word.
      Atomics.store(slots, claim, (next & tagMask) << tagShift);
      Atomics.store(slots, generation, next);
      Atomics.notify(slots, generation);
      beforeJoin?.();
      const tag = next & tagMask;
      for (;;) {
        const word = Atomics.load(slots, claim);
        const task = word & taskMask;
        if (((word >>> tagShift) & tagMask) !== tag || task >= count) break;
        if (Atomics.compareExchange(slots, claim, word, word + 1) !== word) continue;
        run(task, 0);
        Atomics.add(slots, done, 1);
      }
      // Every task is claimed; wait for the ones that workers still run.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const finished = Atomics.load(slots, done);
        if (finished >= count || Atomics.load(slots, failed) !== 0) break;
        const wait = deadline - Date.now();
        if (wait <= 0) {
          throw new Error(
            `fast-cpu backend: ${count - finished} task(s) of a phase did not finish within ${timeoutMs} ms; a worker may have crashed. Dispose this backend and create a new one, or use threads: 1`,
          );
        }
        Atomics.wait(slots, done, finished, wait);
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
