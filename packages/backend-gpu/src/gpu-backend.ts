import { type Backend, checkWindowScoreArguments, formatShape, gatherRows, pool1d, type Pooling, type Tensor } from "@starkv/core";
import { GPU, type IKernelRunShortcut, Input } from "gpu.js";
import { availableGpuModes, type GpuMode, gpuModes, runningMode } from "./gpu-modes.js";
import { columnSumsSource, logitsSource, rowMaxSource, rowTotalSource } from "./window-kernels.js";

/** Options of `createGpuBackend`. */
export interface GpuBackendOptions {
  /**
   * The gpu.js mode to run. `cpu` runs gpu.js's JavaScript kernels, `headlessgl` needs
   * Node with the `gl` package and an X display, `webgl` and `webgl2` need a browser.
   * `webgpu` needs a browser too and returns results asynchronously (`windowScoresAsync`).
   */
  readonly mode: GpuMode;
  /** Canvas for the browser modes; gpu.js creates one when omitted. */
  readonly canvas?: object;
  /** WebGL context for the browser modes. */
  readonly context?: object;
}

/** The gpu.js backend, with the mode that runs. */
export interface GpuBackend extends Backend {
  /** `gpu.js:` followed by the mode that runs, for example `gpu.js:headlessgl`. */
  readonly name: `gpu.js:${GpuMode}`;
  readonly mode: GpuMode;
  /**
   * `windowScores` for every mode, `webgpu` included, whose results can only be read
   * back asynchronously.
   */
  windowScoresAsync(queries: Tensor, keys: Tensor, window: number, kernel: number, pooling: Pooling): Promise<Float32Array>;
}

interface KernelSet {
  readonly logits: IKernelRunShortcut;
  readonly rowMax: IKernelRunShortcut;
  readonly rowTotal: IKernelRunShortcut;
  readonly columnSums: IKernelRunShortcut;
}

const setupHints: Readonly<Record<GpuMode, string>> = {
  cpu: "",
  headlessgl: "headless-gl needs the gl package built from source (listed in onlyBuiltDependencies) and an X display: run under xvfb-run -a",
  webgl: "WebGL needs a browser with a canvas",
  webgl2: "WebGL2 needs a browser with a canvas",
  webgpu: "WebGPU needs a browser with navigator.gpu",
};

function describeModes(): string {
  return `available here: ${availableGpuModes().join(", ")}`;
}

function createGpu(options: GpuBackendOptions): GPU {
  const { mode } = options;
  if (!(gpuModes as readonly string[]).includes(mode)) {
    throw new RangeError(`createGpuBackend(): mode is ${JSON.stringify(mode)}; expected one of ${gpuModes.join(", ")} (${describeModes()})`);
  }
  let gpu: GPU;
  try {
    gpu = new GPU({ mode, ...(options.canvas === undefined ? {} : { canvas: options.canvas }), ...(options.context === undefined ? {} : { context: options.context }) });
  } catch (error) {
    throw new Error(`createGpuBackend(): gpu.js cannot run mode "${mode}" (${(error as Error).message}); ${describeModes()}. ${setupHints[mode]}`.trim(), { cause: error });
  }
  if (gpu.mode !== mode) {
    void gpu.destroy();
    throw new Error(`createGpuBackend(): requested mode "${mode}" but gpu.js selected "${gpu.mode}"; ${describeModes()}. ${setupHints[mode]}`.trim());
  }
  return gpu;
}

/** Loop bound for a call: the next power of two covering every loop, at least gpu.js's default 1000. */
function loopBound(seqLen: number, headDim: number, window: number): number {
  let bound = 1024;
  while (bound < Math.max(seqLen, headDim, window)) bound *= 2;
  return bound;
}

function buildKernels(gpu: GPU, loopMaxIterations: number): KernelSet {
  const settings = { output: [1], dynamicOutput: true, dynamicArguments: true, precision: "single" as const, tactic: "precision" as const, loopMaxIterations };
  return {
    logits: gpu.createKernel(logitsSource, { ...settings, output: [1, 1] }),
    rowMax: gpu.createKernel(rowMaxSource, settings),
    rowTotal: gpu.createKernel(rowTotalSource, settings),
    columnSums: gpu.createKernel(columnSumsSource, { ...settings, output: [1, 1] }),
  };
}

/** Largest flat key index a shader computes exactly in float32. */
const maxShaderIndex = 2 ** 24;

/** Checks the arguments in O(1), since the kernels trust them. */
function checkArguments(mode: GpuMode, queries: Tensor, keys: Tensor, window: number, kernel: number, pooling: Pooling): void {
  const where = `gpu.js:${mode} windowScores()`;
  checkWindowScoreArguments(where, queries, keys, window, kernel, pooling);
  if (mode !== "cpu" && keys.data.length >= maxShaderIndex) {
    throw new RangeError(
      `${where}: keys ${formatShape(keys.shape)} hold ${keys.data.length} values; shaders index them in float32, which is exact only below ${maxShaderIndex}. Split the call or use a CPU backend`,
    );
  }
}

/** Copies the last `window` query rows of every head into `[heads, window, headDim]`. */
function windowQueries(queries: Tensor, window: number): Float32Array {
  const [heads, rows, headDim] = queries.shape as [number, number, number];
  if (rows === window) return queries.data;
  const out = new Float32Array(heads * window * headDim);
  for (let h = 0; h < heads; h++) out.set(queries.data.subarray((h * rows + rows - window) * headDim, (h * rows + rows) * headDim), h * window * headDim);
  return out;
}

/** Flattens a gpu.js 2-D result (an array of rows) into `[height, width]`. */
function flatten(result: unknown, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  const rows = result as ArrayLike<number>[];
  for (let y = 0; y < height; y++) out.set(rows[y]!, y * width);
  return out;
}

/**
 * Creates the gpu.js backend. Four gpu.js kernels compute the logits with the causal
 * mask, the row maxima, the softmax denominators and each head's window-row sums of the
 * probabilities. The pooling and the gather run on the CPU with the core functions.
 * Kernels work in single precision, and the conformance suite holds pooled scores to
 * 1e-4 absolute of the `cpu` backend.
 *
 * gpu.js can run a kernel in a mode other than the one asked for; this backend checks
 * the mode when it is created and after every kernel call, and throws instead of
 * reporting results from another mode. The name is `gpu.js:` plus the mode.
 *
 * @throws RangeError when `mode` is not a known mode
 * @throws Error naming the requested and the available modes when gpu.js cannot run
 *   `mode` here
 */
export function createGpuBackend(options: GpuBackendOptions = {} as GpuBackendOptions): GpuBackend {
  const gpu = createGpu(options);
  const { mode } = options;
  const kernelSets = new Map<number, KernelSet>();
  let disposed = false;
  const check = (): void => {
    if (disposed) throw new Error(`gpu.js:${mode} backend: this backend was disposed; create a new one with createGpuBackend()`);
  };
  const kernelsFor = (bound: number): KernelSet => {
    let set = kernelSets.get(bound);
    if (set === undefined) {
      set = buildKernels(gpu, bound);
      kernelSets.set(bound, set);
    }
    return set;
  };
  const verify = (kernelName: string, shortcut: IKernelRunShortcut): void => {
    const running = runningMode(shortcut);
    if (running !== mode) {
      const reason = (shortcut as { fallbackReason?: string }).fallbackReason;
      throw new Error(`gpu.js:${mode} backend: gpu.js ran the ${kernelName} kernel in mode "${running ?? "unknown"}" instead of "${mode}"${reason === undefined ? "" : ` (${reason})`}; the result is discarded`);
    }
  };

  /**
   * The steps of one call as a generator that yields each kernel's result, so that the
   * same code runs synchronously (`windowScores`) or awaits WebGPU readbacks
   * (`windowScoresAsync`).
   */
  function* steps(queries: Tensor, keys: Tensor, window: number, kernel: number, pooling: Pooling): Generator<unknown, Float32Array, unknown> {
    check();
    checkArguments(mode, queries, keys, window, kernel, pooling);
    const [heads, , headDim] = queries.shape as [number, number, number];
    const [kvHeads, seqLen] = keys.shape as [number, number, number];
    const groupSize = heads / kvHeads;
    const pastLength = seqLen - window;
    const rows = heads * window;
    const kernels = kernelsFor(loopBound(seqLen, headDim, window));
    const q = new Input(windowQueries(queries, window) as unknown as number[], [heads * window * headDim]);
    const k = new Input(keys.data as unknown as number[], [kvHeads * seqLen * headDim]);

    kernels.logits.setOutput([seqLen, rows]);
    const logits = yield kernels.logits(q, k, headDim, window, groupSize, seqLen, pastLength, 1 / Math.sqrt(headDim));
    verify("logits", kernels.logits);
    kernels.rowMax.setOutput([rows]);
    const rowMax = yield kernels.rowMax(logits as number[][], seqLen, pastLength, window);
    verify("row maximum", kernels.rowMax);
    kernels.rowTotal.setOutput([rows]);
    const rowTotal = yield kernels.rowTotal(logits as number[][], rowMax as number[], seqLen, pastLength, window);
    verify("row total", kernels.rowTotal);
    kernels.columnSums.setOutput([pastLength, heads]);
    const sums = yield kernels.columnSums(logits as number[][], rowMax as number[], rowTotal as number[], window);
    verify("column sum", kernels.columnSums);
    return pool1d(flatten(sums, pastLength, heads), heads, pastLength, kernel, pooling);
  }

  // gpu.js can accept a mode and fail only at the first kernel (WebGPU without an adapter).
  const kernelFailure = (error: unknown): Error => {
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith("gpu.js:")) return error as Error;
    return new Error(`gpu.js:${mode} backend: the kernel failed in mode "${mode}" (${message}); ${describeModes()}. ${setupHints[mode]}`.trim(), { cause: error });
  };

  return {
    name: `gpu.js:${mode}`,
    mode,
    windowScores(queries, keys, window, kernel, pooling) {
      const run = steps(queries, keys, window, kernel, pooling);
      let next = run.next();
      while (next.done !== true) {
        if (next.value instanceof Promise) {
          void next.value.catch(() => undefined);
          throw new Error(`gpu.js:${mode} backend: this mode returns results asynchronously; call windowScoresAsync() instead of windowScores()`);
        }
        next = run.next(next.value);
      }
      return next.value;
    },
    async windowScoresAsync(queries, keys, window, kernel, pooling) {
      const run = steps(queries, keys, window, kernel, pooling);
      try {
        let next = run.next();
        while (next.done !== true) next = run.next(await next.value);
        return next.value;
      } catch (error) {
        throw kernelFailure(error);
      }
    },
    gather(cache, positions) {
      check();
      return gatherRows(cache, positions);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      void gpu.destroy();
    },
  };
}
