import { type Backend, clipSpans, finiteHiddenNorms, groupScores, headMean, keptPositions, resolveCapacity, Session, topK, validateLayerInputs } from "@starkv/core";
import { createStarKV, groupMI } from "@starkv/starkv";
import { type BenchCase, caseInputs, model, settings } from "./cases.js";
import { MemoryPeaks } from "./memory.js";

/** Result of one case on one backend; the first eight fields are the `--json` record. */
export interface BenchResult {
  readonly case: string;
  readonly backend: string;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly peakRssBytes: number;
  readonly peakArrayBuffersBytes: number;
  readonly runs: number;
  /** Threads of the backend, when it reports them. */
  readonly threads?: number;
  /** Float32 scratch values of the backend's last `windowScores` call, when it reports them. */
  readonly workingFloats?: number;
  /** Median ms of parts of one layer's call, timed alone, with `--profile`. */
  readonly profile?: Readonly<Record<string, number>>;
}

/** Run settings of a case. */
export interface RunOptions {
  /** Timed runs; default 7. */
  readonly runs: number;
  /** Untimed runs after the ten calls that bring the online step past the MI warm-up; default 2. */
  readonly warmup: number;
  /** Also time the parts of one layer's call alone. */
  readonly profile: boolean;
  readonly seed: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function timeMedian(runs: number, body: () => unknown): number {
  body();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    body();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** The reference's MI warm-up (5 profile steps) plus a margin: the timed calls run with λ > 0. */
const onlineWarmupCalls = 10;

/**
 * Runs one case: a STaR-KV compressor with the reproduction settings on `backend`, one
 * session whose layers `0 … layers − 1` share the same inputs, ten calls to bring every
 * layer's online step to 10, `warmup` more untimed calls, then `runs` timed calls.
 */
export function runCase(benchCase: BenchCase, backend: Backend, options: RunOptions): BenchResult {
  const input = caseInputs(benchCase, options.seed);
  const compressor = createStarKV({ backend, budget: { percent: settings.budgetPercent }, window: settings.window, kernel: settings.kernel });
  const session = new Session();
  const step = (): void => {
    for (let layer = 0; layer < benchCase.layers; layer++) compressor.compress(session, layer, input);
  };
  for (let i = 0; i < onlineWarmupCalls + options.warmup; i++) step();

  const memory = new MemoryPeaks();
  memory.reset();
  const times: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
    memory.sample();
  }
  const extra = backend as Partial<{ threads: number; lastWorkingFloats: number }>;
  return {
    case: benchCase.name,
    backend: backend.name,
    medianMs: median(times),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    peakRssBytes: memory.peakRss(),
    peakArrayBuffersBytes: memory.peakArrayBuffers(),
    runs: options.runs,
    ...(typeof extra.threads === "number" ? { threads: extra.threads } : {}),
    ...(typeof extra.lastWorkingFloats === "number" ? { workingFloats: extra.lastWorkingFloats } : {}),
    ...(options.profile ? { profile: profileLayer(benchCase, backend, options) } : {}),
  };
}

/**
 * Times the main parts of one layer's call alone, through the public functions that the
 * compressor calls. The parts are input validation, the backend's window scores, the
 * hidden-state norms of the current screenshot with their finiteness check, the MI of
 * every KV group, the group and head means, the Top-K and the gather of keys and values.
 */
function profileLayer(benchCase: BenchCase, backend: Backend, options: RunOptions): Record<string, number> {
  const input = caseInputs(benchCase, options.seed);
  const { heads, kvHeads } = model;
  const capacity = resolveCapacity(benchCase.seqLen, { percent: settings.budgetPercent }, settings.window);
  const { pastLength, keep, window } = capacity;
  const spans = clipSpans(input.spans ?? [], pastLength);
  const current = spans[spans.length - 1]!;
  const pooled = backend.windowScores(input.queries, input.keys, window, settings.kernel, "avgpool");
  const groups = groupScores(pooled, heads, kvHeads, pastLength);
  const base = headMean(pooled, heads, pastLength);
  const positions = keptPositions(topK(base, keep), benchCase.seqLen, window);
  const runs = options.runs;
  return {
    validate: timeMedian(runs, () => validateLayerInputs("bench", [input], backend)),
    windowScores: timeMedian(runs, () => backend.windowScores(input.queries, input.keys, window, settings.kernel, "avgpool")),
    hiddenNorms: timeMedian(runs, () => finiteHiddenNorms("bench", input.hidden!, current.start, current.end, backend)),
    groupMI: timeMedian(runs, () => groupMI(groups, kvHeads, pastLength, current)),
    groupAndHeadMeans: timeMedian(runs, () => [groupScores(pooled, heads, kvHeads, pastLength), headMean(pooled, heads, pastLength)]),
    topK: timeMedian(runs, () => topK(base, keep)),
    gather: timeMedian(runs, () => [backend.gather(input.keys, positions), backend.gather(input.values, positions)]),
  };
}
