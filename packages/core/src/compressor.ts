import { type Backend, createCpuBackend } from "./backend.js";
import { type Budget, budgetProblem, type Capacity, resolveCapacity } from "./budget.js";
import { ProblemList } from "./errors.js";
import { keptPositions } from "./gather.js";
import { argmaxGroup, groupScores, headMean } from "./groups.js";
import type { StageState } from "./json.js";
import { pooledLength, type Pooling } from "./pool.js";
import { Session } from "./session.js";
import { clipSpans } from "./spans.js";
import type { CallContext, LayerInput, RowContext, RowHeadScores, Selector, Stage, TokenContext } from "./stage.js";
import type { Tensor } from "./tensor.js";
import { topKSelector } from "./top-k-selector.js";
import { validateLayerInputs } from "./validate-input.js";

/** Options of `createCompressor`. */
export interface CompressorOptions {
  /** Re-weighting stages in order; an empty list gives shared-index SnapKV on the head mean. */
  readonly stages: readonly Stage[];
  /** How many tokens to keep per prefill. */
  readonly budget: Budget;
  /** Chooses the kept past positions from the final scores; defaults to the global Top-K. */
  readonly selector?: Selector;
  /** Observation window `w` before the clamp; default 8. */
  readonly window?: number;
  /** Pooling kernel `κ`; default 5. Even kernels are accepted, see `LayerResult.notes`. */
  readonly kernel?: number;
  /** Default `"avgpool"`. */
  readonly pooling?: Pooling;
  /**
   * `"per-row"` (default): each batch row has its own state. `"shared"`: the rows of a call
   * share one state, as the reference does (its counters advance once per row).
   */
  readonly batchState?: "per-row" | "shared";
  /** Default: a new CPU backend. */
  readonly backend?: Backend;
  /** Keep every intermediate value in `LayerResult.trace`; default false. */
  readonly trace?: boolean;
}

/** The compressed cache of one batch row of one layer. */
export interface LayerResult {
  /** False when the prefill was left whole; `keys`/`values` are then the inputs themselves. */
  readonly compressed: boolean;
  /** `[kvHeads, kept, headDim]`: kept past tokens in position order, then the window. */
  readonly keys: Tensor;
  readonly values: Tensor;
  /** `[kept]`: original position of each cache slot, ascending, window last. */
  readonly positions: Int32Array;
  readonly capacity: Capacity;
  /** `[pastLength]` final token scores, when compressed. */
  readonly scores?: Float64Array;
  /** Why the kept count differs from the budget, when it does. */
  readonly notes: readonly string[];
  /** Name of the backend that computed the scores and the gather. */
  readonly backend: string;
  /** Intermediate values by name, when `trace` is on. */
  readonly trace?: Readonly<Record<string, unknown>>;
}

/** A configured compression step. */
export interface Compressor {
  readonly stages: readonly Stage[];
  readonly selector: Selector;
  readonly backend: Backend;
  /** Compresses one prefill of `layer` (batch size 1), updating `session`. */
  compress(session: Session, layer: number, input: LayerInput): LayerResult;
  /** Compresses one prefill with several batch rows of equal shapes. */
  compressBatch(session: Session, layer: number, inputs: readonly LayerInput[]): LayerResult[];
}

interface Resolved {
  readonly stages: readonly Stage[];
  readonly budget: Budget;
  readonly selector: Selector;
  readonly window: number;
  readonly kernel: number;
  readonly pooling: Pooling;
  readonly batchState: "per-row" | "shared";
  readonly backend: Backend;
  readonly trace: boolean;
}

const optionKeys = new Set(["stages", "budget", "selector", "window", "kernel", "pooling", "batchState", "backend", "trace"]);

function resolveOptions(options: CompressorOptions): Resolved {
  const problems = new ProblemList();
  for (const key of Object.keys(options)) {
    if (!optionKeys.has(key)) problems.add(`unknown option ${key}; known options are ${[...optionKeys].join(", ")}`);
  }
  const { window = 8, kernel = 5, pooling = "avgpool", batchState = "per-row" } = options;
  if (!Number.isInteger(window) || window < 1) problems.add(`window is ${String(window)}; expected a positive integer`);
  if (!Number.isInteger(kernel) || kernel < 1) problems.add(`kernel is ${String(kernel)}; expected a positive integer`);
  if (pooling !== "avgpool" && pooling !== "maxpool") problems.add(`pooling is ${String(pooling)}; expected "avgpool" or "maxpool"`);
  if (batchState !== "per-row" && batchState !== "shared") problems.add(`batchState is ${String(batchState)}; expected "per-row" or "shared"`);
  const budget = budgetProblem(options.budget);
  if (budget !== undefined) problems.add(budget);
  const stages: unknown = options.stages;
  if (!Array.isArray(stages)) problems.add("stages must be an array of stages (it may be empty)");
  else {
    const names = new Set<string>();
    for (const stage of options.stages) {
      if (names.has(stage.name)) problems.add(`two stages are named ${stage.name}; stage names must be unique`);
      names.add(stage.name);
    }
  }
  problems.throwIfAny("createCompressor()");
  return {
    stages: options.stages,
    budget: options.budget,
    selector: options.selector ?? topKSelector,
    window,
    kernel,
    pooling,
    batchState,
    backend: options.backend ?? createCpuBackend(),
    trace: options.trace ?? false,
  };
}

/**
 * Creates a compressor: observation-window scoring, then `stages`, then `selector`, then
 * the gather of keys and values at KV-head width with the window appended.
 *
 * @throws OptionsError listing every invalid option
 */
export function createCompressor(options: CompressorOptions): Compressor {
  const resolved = resolveOptions(options);
  return {
    stages: resolved.stages,
    selector: resolved.selector,
    backend: resolved.backend,
    compress(session, layer, input) {
      return run(resolved, session, layer, [input], "compress()")[0]!;
    },
    compressBatch(session, layer, inputs) {
      return run(resolved, session, layer, inputs, "compressBatch()");
    },
  };
}

function run(options: Resolved, session: Session, layer: number, inputs: readonly LayerInput[], where: string): LayerResult[] {
  if (!((session as unknown) instanceof Session)) throw new TypeError(`${where}: session is ${session === null ? "null" : typeof session}; pass a Session (new Session()), one per episode`);
  if (!Number.isInteger(layer) || layer < 0) throw new RangeError(`${where}: layer is ${String(layer)}; expected a non-negative integer`);
  const shape = validateLayerInputs(where, inputs, options.backend);
  const capacity = resolveCapacity(shape.seqLen, options.budget, options.window);
  if (capacity.compresses && capacity.window > shape.windowRows) {
    throw new RangeError(
      `${where}: queries hold ${shape.windowRows} window rows but the window is ${capacity.window}; pass the queries of the last ${capacity.window} tokens or set window: ${shape.windowRows}`,
    );
  }
  const call: CallContext = { layer, heads: shape.heads, kvHeads: shape.kvHeads, headDim: shape.headDim, capacity, backend: options.backend };
  const groups = options.batchState === "shared" ? [inputs.map((_, row) => row)] : inputs.map((_, row) => [row]);
  if (capacity.compresses) {
    for (const [row, input] of inputs.entries()) {
      const context: RowContext = { ...call, row, input, spans: clipSpans(input.spans ?? [], capacity.pastLength), record: () => undefined };
      for (const stage of options.stages) stage.check?.(context);
    }
  }
  const results: LayerResult[] = [];
  for (const rows of groups) {
    const states = options.stages.map((stage) => session.state(stage, layer, rows[0]!));
    for (const [i, stage] of options.stages.entries()) stage.begin?.(call, states[i]!);
    if (!capacity.compresses) {
      for (const row of rows) results[row] = uncompressed(options, inputs[row]!, capacity);
      continue;
    }
    for (const [row, result] of compressRows(options, call, inputs, rows, states)) results[row] = result;
  }
  return results;
}

function uncompressed(options: Resolved, input: LayerInput, capacity: Capacity): LayerResult {
  const positions = new Int32Array(capacity.seqLen);
  for (let j = 0; j < positions.length; j++) positions[j] = j;
  return { compressed: false, keys: input.keys, values: input.values, positions, capacity, notes: capacity.notes, backend: options.backend.name };
}

function compressRows(
  options: Resolved,
  call: CallContext,
  inputs: readonly LayerInput[],
  rows: readonly number[],
  states: readonly StageState[],
): Map<number, LayerResult> {
  const { heads, kvHeads, capacity } = call;
  const { window, pastLength } = capacity;
  const notes = [...capacity.notes];
  if (options.kernel % 2 === 0) {
    notes.push(
      `even kernel ${options.kernel}: pooled scores are shifted by half a token and have ${pooledLength(pastLength, options.kernel)} values; the last one, past the compressible range, is dropped (the reference could select it and duplicate the first window token)`,
    );
  }

  const traces = new Map<number, Record<string, unknown>>();
  const contexts = new Map<number, RowContext>();
  const headScores: RowHeadScores[] = [];
  for (const row of rows) {
    const input = inputs[row]!;
    const trace: Record<string, unknown> = {};
    traces.set(row, trace);
    const context: RowContext = {
      ...call,
      row,
      input,
      spans: clipSpans(input.spans ?? [], pastLength),
      record: options.trace ? (key, value) => (trace[key] = value) : () => undefined,
    };
    contexts.set(row, context);

    const pooled = options.backend.windowScores(input.queries, input.keys, window, options.kernel, options.pooling);
    const scores = pooled.length === heads * pastLength ? pooled : trimPooled(pooled, heads, pastLength);
    // The copies are made only when tracing: each is up to heads · pastLength values.
    if (options.trace) context.record("pooled", scores.slice());
    for (const [i, stage] of options.stages.entries()) stage.heads?.(context, scores, states[i]!);
    headScores.push({ row, scores });
  }
  for (const [i, stage] of options.stages.entries()) stage.batch?.(call, headScores, states[i]!);

  const results = new Map<number, LayerResult>();
  for (const { row, scores: rowHeadScores } of headScores) {
    const context = contexts.get(row)!;
    const input = inputs[row]!;
    const groupS = groupScores(rowHeadScores, heads, kvHeads, pastLength);
    let best: Int32Array | undefined;
    const tokenContext: TokenContext = {
      ...context,
      headScores: rowHeadScores,
      groupScores: groupS,
      bestGroup: () => (best ??= argmaxGroup(groupS, kvHeads, pastLength)),
    };
    const scores = headMean(rowHeadScores, heads, pastLength);
    if (options.trace) context.record("headScores", rowHeadScores.slice());
    context.record("groupScores", groupS);
    if (options.trace) context.record("base", scores.slice());
    for (const [i, stage] of options.stages.entries()) {
      if (stage.tokens === undefined) continue;
      stage.tokens(tokenContext, scores, states[i]!);
      if (options.trace) context.record(`after.${stage.name}`, scores.slice());
    }
    const past = options.selector.select(scores, capacity.keep, tokenContext);
    checkSelection(options.selector.name, past, capacity.keep, pastLength);
    const positions = keptPositions(past, capacity.seqLen, window);
    context.record("kept", past);
    results.set(row, {
      compressed: true,
      keys: options.backend.gather(input.keys, positions),
      values: options.backend.gather(input.values, positions),
      positions,
      capacity,
      scores,
      notes,
      backend: options.backend.name,
      ...(options.trace ? { trace: traces.get(row)! } : {}),
    });
  }
  return results;
}

function trimPooled(pooled: Float32Array, heads: number, pastLength: number): Float32Array {
  const width = pooled.length / heads;
  const out = new Float32Array(heads * pastLength);
  for (let h = 0; h < heads; h++) out.set(pooled.subarray(h * width, h * width + pastLength), h * pastLength);
  return out;
}

/** Rejects a selection that is not `count` strictly ascending past positions. */
function checkSelection(selector: string, past: Int32Array, count: number, pastLength: number): void {
  const problem =
    !(past instanceof Int32Array)
      ? "did not return an Int32Array"
      : past.length !== count
        ? `returned ${past.length} positions instead of ${count}`
        : past.some((position, i) => position < 0 || position >= pastLength || (i > 0 && position <= past[i - 1]!))
          ? `returned positions outside [0, ${pastLength}) or not strictly ascending: [${Array.from(past.slice(0, 8)).join(", ")}${past.length > 8 ? ", …" : ""}]`
          : undefined;
  if (problem !== undefined) throw new RangeError(`compress(): selector ${selector} ${problem}; a selector must return the kept past positions, ascending and unique`);
}
