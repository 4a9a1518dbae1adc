import { Locals, param, paramF32 } from "./kernel-helpers.js";
import { Param, Phase } from "./kernel-params.js";
import {
  assembleModule,
  block,
  br,
  brIf,
  call,
  type Code,
  f32,
  f32Op,
  f32x4,
  forRange,
  get,
  i32,
  i32Op,
  i32x4,
  ifElse,
  ifThen,
  lanes32,
  loop,
  select,
  seq,
  set,
  v128,
  v128Op,
  type ValueType,
} from "./wasm-builder.js";

/*
 * The window-score kernels, emitted as WebAssembly with SIMD. Data layout in memory:
 *
 * - queries `[kvHeads, groupRows, paddedHeadDim]`: row `hl · window + i` of group `g` is
 *   window row `i` of query head `g · groupSize + hl`; padding rows and columns are zero.
 * - keys (a staging buffer) `[kvHeads, stageCapacity, paddedHeadDim]`: keys
 *   `stageStart … stageEnd − 1` of each KV head.
 * - logits `[seqLen, totalRows]`: key-major, so that one SIMD vector holds four query
 *   rows of one key and every later phase works on contiguous rows.
 * - columnSums `[heads, paddedLength]`: each head's column sums with `radius` padding
 *   values on both sides (zero for average pooling, −∞ for max pooling).
 * - pooled `[heads, pooledLength]`.
 */

const add = i32Op.add;
const mul = i32Op.mul;
const c = i32Op.constant;

/**
 * Horizontal sums of four vectors into one: `[Σa, Σb, Σc, Σd]`. `ab` and `cd` are
 * scratch locals.
 */
function horizontalSum4(a: number, b: number, cc: number, d: number, ab: number, cd: number): Code {
  return seq(
    set(ab, f32x4.add(v128Op.shuffle(get(a), get(b), lanes32(0, 1, 4, 5)), v128Op.shuffle(get(a), get(b), lanes32(2, 3, 6, 7)))),
    set(cd, f32x4.add(v128Op.shuffle(get(cc), get(d), lanes32(0, 1, 4, 5)), v128Op.shuffle(get(cc), get(d), lanes32(2, 3, 6, 7)))),
    f32x4.add(v128Op.shuffle(get(ab), get(cd), lanes32(0, 2, 4, 6)), v128Op.shuffle(get(ab), get(cd), lanes32(1, 3, 5, 7))),
  );
}

/**
 * `exp(x)` of four lanes with `x ≤ 0`: `x = n·ln 2 + r` with `|r| ≤ ln 2 / 2` (ln 2 split in
 * two parts so that `r` stays exact), a degree-6 Taylor polynomial for `e^r` (relative
 * error below 2e-7), and `2^n` built in the exponent bits. Inputs below −88 give exactly 0,
 * as float32 underflow does.
 */
function exp4(x: number, n: number, r: number): Code {
  const coefficients = [1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1];
  let polynomial: Code = f32x4.constant(coefficients[0]!);
  for (const coefficient of coefficients.slice(1)) polynomial = f32x4.add(f32x4.mul(polynomial, get(r)), f32x4.constant(coefficient));
  const powerOfTwo = i32x4.shl(i32x4.add(i32x4.truncSatF32x4(get(n)), i32x4.splat(c(127))), c(23));
  return seq(
    set(x, f32x4.max(get(x), f32x4.constant(-88))),
    set(n, f32x4.nearest(f32x4.mul(get(x), f32x4.constant(Math.LOG2E)))),
    set(r, f32x4.sub(get(x), f32x4.mul(get(n), f32x4.constant(0.693359375)))),
    set(r, f32x4.sub(get(r), f32x4.mul(get(n), f32x4.constant(-2.12194440e-4)))),
    f32x4.mul(polynomial, powerOfTwo),
  );
}

/**
 * Phase 1, one task: the logits of keys `[j0, j1)` of the staged block for every query row
 * of every group, then the causal mask on window keys, then this thread's row maxima.
 * Register block: four query rows × two keys, two vectors of the head dimension per step.
 */
function logitsTask(): { params: ValueType[]; locals: ValueType[]; body: Code } {
  const task = 0;
  const participant = 1;
  const l = new Locals(2);
  const j0 = l.add(i32), j1 = l.add(i32), g = l.add(i32), j = l.add(i32), rb = l.add(i32), d = l.add(i32);
  const headBytes = l.add(i32), rowBytes = l.add(i32), k0 = l.add(i32), k1 = l.add(i32), out = l.add(i32), keyBase = l.add(i32), queryBase = l.add(i32);
  const q = [l.add(i32), l.add(i32), l.add(i32), l.add(i32)];
  const acc = Array.from({ length: 8 }, () => l.add(v128));
  const ka = l.add(v128), kb = l.add(v128), kc = l.add(v128), kd = l.add(v128), qv = l.add(v128), scale = l.add(v128);
  const pairA = l.add(v128), pairB = l.add(v128);
  const hl = l.add(i32), i = l.add(i32), limit = l.add(i32), maxPtr = l.add(i32), v = l.add(i32), row = l.add(i32);

  const zeroAccumulators = seq(...acc.map((a) => set(a, f32x4.constant(0))));
  const accumulate = (a: number, k: number, qq: number): Code => set(a, f32x4.add(get(a), f32x4.mul(get(qq), get(k))));
  const queryRows = seq(...q.map((local, index) => set(local, add(get(queryBase), mul(c(index), get(headBytes))))));

  // Two keys at a time.
  const twoKeyStep = seq(
    set(ka, v128Op.load(add(get(k0), get(d)))),
    set(kb, v128Op.load(add(get(k0), get(d)), 16)),
    set(kc, v128Op.load(add(get(k1), get(d)))),
    set(kd, v128Op.load(add(get(k1), get(d)), 16)),
    ...q.map((local, a) =>
      seq(
        set(qv, v128Op.load(add(get(local), get(d)))),
        accumulate(acc[2 * a]!, ka, qv),
        accumulate(acc[2 * a + 1]!, kc, qv),
        set(qv, v128Op.load(add(get(local), get(d)), 16)),
        accumulate(acc[2 * a]!, kb, qv),
        accumulate(acc[2 * a + 1]!, kd, qv),
      ),
    ),
  );
  const storeTwo = seq(
    set(out, add(add(param(Param.logits), mul(get(j), get(rowBytes))), mul(add(mul(get(g), param(Param.groupRows)), get(rb)), c(4)))),
    v128Op.store(get(out), f32x4.mul(horizontalSum4(acc[0]!, acc[2]!, acc[4]!, acc[6]!, pairA, pairB), get(scale))),
    v128Op.store(add(get(out), get(rowBytes)), f32x4.mul(horizontalSum4(acc[1]!, acc[3]!, acc[5]!, acc[7]!, pairA, pairB), get(scale))),
  );
  const oneKeyStep = seq(
    set(ka, v128Op.load(add(get(k0), get(d)))),
    set(kb, v128Op.load(add(get(k0), get(d)), 16)),
    ...q.map((local, a) =>
      seq(
        set(qv, v128Op.load(add(get(local), get(d)))),
        accumulate(acc[2 * a]!, ka, qv),
        set(qv, v128Op.load(add(get(local), get(d)), 16)),
        accumulate(acc[2 * a]!, kb, qv),
      ),
    ),
  );
  const storeOne = seq(
    set(out, add(add(param(Param.logits), mul(get(j), get(rowBytes))), mul(add(mul(get(g), param(Param.groupRows)), get(rb)), c(4)))),
    v128Op.store(get(out), f32x4.mul(horizontalSum4(acc[0]!, acc[2]!, acc[4]!, acc[6]!, pairA, pairB), get(scale))),
  );
  const keyAddress = (key: Code): Code =>
    add(get(keyBase), mul(add(mul(get(g), param(Param.stageCapacity)), i32Op.sub(key, param(Param.stageStart))), get(headBytes)));
  const rowBlocks = (step: Code, store: Code): Code =>
    forRange(rb, c(0), param(Param.groupRows), 4,
      set(queryBase, add(param(Param.queries), mul(add(mul(get(g), param(Param.groupRows)), get(rb)), get(headBytes)))),
      queryRows,
      zeroAccumulators,
      forRange(d, c(0), get(headBytes), 32, step),
      store,
    );

  const logits = seq(
    forRange(g, c(0), param(Param.kvHeads), 1,
      set(j, get(j0)),
      block(
        loop(
          brIf(1, i32Op.geU(add(get(j), c(1)), get(j1))),
          set(k0, keyAddress(get(j))),
          set(k1, add(get(k0), get(headBytes))),
          rowBlocks(twoKeyStep, storeTwo),
          set(j, add(get(j), c(2))),
          br(0),
        ),
      ),
      ifThen(i32Op.ltU(get(j), get(j1)),
        set(k0, keyAddress(get(j))),
        rowBlocks(oneKeyStep, storeOne),
      ),
    ),
  );

  // Causal mask: window key jj = j − pastLength is visible to window row i of every head only if jj ≤ i.
  const mask = forRange(j, select(get(j0), param(Param.pastLength), i32Op.gtU(get(j0), param(Param.pastLength))), get(j1), 1,
    set(limit, i32Op.minU(i32Op.sub(get(j), param(Param.pastLength)), param(Param.window))),
    forRange(g, c(0), param(Param.kvHeads), 1,
      forRange(hl, c(0), param(Param.groupSize), 1,
        set(row, add(mul(get(g), param(Param.groupRows)), mul(get(hl), param(Param.window)))),
        forRange(i, c(0), get(limit), 1,
          f32Op.store(add(add(param(Param.logits), mul(get(j), get(rowBytes))), mul(add(get(row), get(i)), c(4))), f32Op.constant(-Infinity)),
        ),
      ),
    ),
  );

  const maxima = seq(
    set(maxPtr, add(param(Param.maxPartials), mul(get(participant), get(rowBytes)))),
    forRange(j, get(j0), get(j1), 1,
      set(out, add(param(Param.logits), mul(get(j), get(rowBytes)))),
      forRange(v, c(0), get(rowBytes), 16,
        v128Op.store(add(get(maxPtr), get(v)), f32x4.max(v128Op.load(add(get(maxPtr), get(v))), v128Op.load(add(get(out), get(v))))),
      ),
    ),
  );

  const body = seq(
    set(j0, add(param(Param.stageStart), mul(get(task), param(Param.chunk)))),
    set(j1, i32Op.minU(add(get(j0), param(Param.chunk)), param(Param.stageEnd))),
    set(headBytes, mul(param(Param.paddedHeadDim), c(4))),
    set(rowBytes, mul(param(Param.totalRows), c(4))),
    set(keyBase, param(Param.keys)),
    set(scale, f32x4.splat(paramF32(Param.scale))),
    logits,
    mask,
    maxima,
  );
  return { params: [i32, i32], locals: l.types, body };
}

/** Phase 2, one task: `exp(logit − row max)` in place for keys `[j0, j1)`, row totals. */
function expTask(): { params: ValueType[]; locals: ValueType[]; body: Code } {
  const task = 0;
  const participant = 1;
  const l = new Locals(2);
  const j0 = l.add(i32), j1 = l.add(i32), j = l.add(i32), v = l.add(i32), rowBytes = l.add(i32), accumulator = l.add(i32), row = l.add(i32), total = l.add(i32);
  const x = l.add(v128), n = l.add(v128), r = l.add(v128), e = l.add(v128);
  const body = seq(
    set(j0, mul(get(task), param(Param.chunk))),
    set(j1, i32Op.minU(add(get(j0), param(Param.chunk)), param(Param.seqLen))),
    set(rowBytes, mul(param(Param.totalRows), c(4))),
    set(accumulator, add(param(Param.scratch), mul(get(participant), get(rowBytes)))),
    forRange(v, c(0), get(rowBytes), 16, v128Op.store(add(get(accumulator), get(v)), f32x4.constant(0))),
    forRange(j, get(j0), get(j1), 1,
      set(row, add(param(Param.logits), mul(get(j), get(rowBytes)))),
      forRange(v, c(0), get(rowBytes), 16,
        set(x, f32x4.sub(v128Op.load(add(get(row), get(v))), v128Op.load(add(param(Param.rowMax), get(v))))),
        set(e, exp4(x, n, r)),
        v128Op.store(add(get(row), get(v)), get(e)),
        v128Op.store(add(get(accumulator), get(v)), f32x4.add(v128Op.load(add(get(accumulator), get(v))), get(e))),
      ),
    ),
    // Adding each task's block total keeps the float32 sum error near (chunk + tasks) ulps, not seqLen.
    set(total, add(param(Param.totalPartials), mul(get(participant), get(rowBytes)))),
    forRange(v, c(0), get(rowBytes), 16,
      v128Op.store(add(get(total), get(v)), f32x4.add(v128Op.load(add(get(total), get(v))), v128Op.load(add(get(accumulator), get(v))))),
    ),
  );
  return { params: [i32, i32], locals: l.types, body };
}

/**
 * Phase 3, one task: for past keys `[j0, j1)`, each head's sum over its window rows of
 * `exp · (1 / row total)`, written into the padded column-sum rows.
 */
function combineTask(): { params: ValueType[]; locals: ValueType[]; body: Code } {
  const task = 0;
  const l = new Locals(2);
  const j0 = l.add(i32), j1 = l.add(i32), j = l.add(i32), g = l.add(i32), hl = l.add(i32), i = l.add(i32), rowBytes = l.add(i32), row = l.add(i32);
  const first = l.add(i32), head = l.add(i32), end = l.add(i32), windowBytes = l.add(i32);
  const sum = l.add(f32);
  const v = l.add(v128), pairs = l.add(v128);
  const vectorWindow = seq(
    // Window a multiple of 4: the rows of a head fill whole vectors.
    set(v, f32x4.constant(0)),
    forRange(i, get(first), get(end), 16,
      set(v, f32x4.add(get(v), f32x4.mul(v128Op.load(add(get(row), get(i))), v128Op.load(add(param(Param.rowInverse), get(i)))))),
    ),
    set(sum, laneSum(v, pairs)),
  );
  const scalarWindow = seq(
    set(sum, f32Op.constant(0)),
    forRange(i, get(first), get(end), 4,
      set(sum, f32Op.add(get(sum), f32Op.mul(f32Op.load(add(get(row), get(i))), f32Op.load(add(param(Param.rowInverse), get(i)))))),
    ),
  );
  const body = seq(
    set(j0, mul(get(task), param(Param.chunk))),
    set(j1, i32Op.minU(add(get(j0), param(Param.chunk)), param(Param.pastLength))),
    set(rowBytes, mul(param(Param.totalRows), c(4))),
    set(windowBytes, mul(param(Param.window), c(4))),
    forRange(j, get(j0), get(j1), 1,
      set(row, add(param(Param.logits), mul(get(j), get(rowBytes)))),
      forRange(g, c(0), param(Param.kvHeads), 1,
        forRange(hl, c(0), param(Param.groupSize), 1,
          set(first, mul(add(mul(get(g), param(Param.groupRows)), mul(get(hl), param(Param.window))), c(4))),
          set(end, add(get(first), get(windowBytes))),
          set(head, add(mul(get(g), param(Param.groupSize)), get(hl))),
          ifElse(i32Op.eqz(i32Op.and(param(Param.window), c(3))), vectorWindow, scalarWindow),
          f32Op.store(
            add(param(Param.columnSums), mul(add(add(mul(get(head), param(Param.paddedLength)), param(Param.radius)), get(j)), c(4))),
            get(sum),
          ),
        ),
      ),
    ),
  );
  return { params: [i32, i32], locals: l.types, body };
}

/** Sum of the four lanes of `v`, in lane 0; `pairs` is a scratch local. */
function laneSum(v: number, pairs: number): Code {
  return seq(
    set(pairs, f32x4.add(get(v), v128Op.shuffle(get(v), get(v), lanes32(2, 3, 0, 1)))),
    f32x4.extractLane(f32x4.add(get(pairs), v128Op.shuffle(get(pairs), get(pairs), lanes32(1, 0, 3, 2))), 0),
  );
}

/** Phase 4, one task: pools the padded column sums of head `task`. */
function poolTask(): { params: ValueType[]; locals: ValueType[]; body: Code } {
  const task = 0;
  const l = new Locals(2);
  const input = l.add(i32), output = l.add(i32), p = l.add(i32), t = l.add(i32), vectorEnd = l.add(i32), kernelBytes = l.add(i32), outEnd = l.add(i32);
  const v = l.add(v128), divisor = l.add(v128);
  const s = l.add(f32), kernelF = l.add(f32);
  const pooling = (maxPool: boolean): Code => {
    const combine = maxPool ? f32x4.max : f32x4.add;
    const combineScalar = maxPool ? f32Op.max : f32Op.add;
    const finish = maxPool ? get(v) : f32x4.div(get(v), get(divisor));
    const finishScalar = maxPool ? get(s) : f32Op.div(get(s), get(kernelF));
    return seq(
      forRange(p, c(0), get(vectorEnd), 16,
        set(v, v128Op.load(add(get(input), get(p)))),
        forRange(t, c(4), get(kernelBytes), 4, set(v, combine(get(v), v128Op.load(add(add(get(input), get(p)), get(t)))))),
        v128Op.store(add(get(output), get(p)), finish),
      ),
      forRange(p, get(vectorEnd), get(outEnd), 4,
        set(s, f32Op.load(add(get(input), get(p)))),
        forRange(t, c(4), get(kernelBytes), 4, set(s, combineScalar(get(s), f32Op.load(add(add(get(input), get(p)), get(t)))))),
        f32Op.store(add(get(output), get(p)), finishScalar),
      ),
    );
  };
  const body = seq(
    set(input, add(param(Param.columnSums), mul(mul(get(task), param(Param.paddedLength)), c(4)))),
    set(output, add(param(Param.pooled), mul(mul(get(task), param(Param.pooledLength)), c(4)))),
    set(outEnd, mul(param(Param.pooledLength), c(4))),
    set(vectorEnd, i32Op.and(get(outEnd), c(~15))),
    set(kernelBytes, mul(param(Param.kernel), c(4))),
    set(kernelF, f32Op.fromI32(param(Param.kernel))),
    set(divisor, f32x4.splat(get(kernelF))),
    ifElse(param(Param.maxPool), pooling(true), pooling(false)),
  );
  return { params: [i32, i32], locals: l.types, body };
}

/** Dispatches `run(task, participant)` to the kernel of the current phase. */
function runTask(): { params: ValueType[]; locals: ValueType[]; body: Code } {
  const phaseIs = (phase: number): Code => i32Op.eq(param(Param.phase), c(phase));
  const body = seq(
    ifThen(phaseIs(Phase.logits), call(1, get(0), get(1))),
    ifThen(phaseIs(Phase.exp), call(2, get(0), get(1))),
    ifThen(phaseIs(Phase.combine), call(3, get(0), get(1))),
    ifThen(phaseIs(Phase.pool), call(4, get(0), get(1))),
  );
  return { params: [i32, i32], locals: [], body };
}

/**
 * Returns the binary of the kernel module. It imports `env.memory` (shared when
 * `shared`, as worker threads need) with at most `maximumPages` 64 KiB pages, and
 * exports `run(task, participant)`, which runs one task of the phase named in the
 * parameter block.
 */
export function windowKernelModule(shared: boolean, maximumPages: number): Uint8Array<ArrayBuffer> {
  const functions = [runTask(), logitsTask(), expTask(), combineTask(), poolTask()].map((fn, index) => ({
    name: ["run", "logits", "exp", "combine", "pool"][index]!,
    params: fn.params,
    results: [],
    locals: fn.locals,
    body: fn.body,
    exported: index === 0,
  }));
  return assembleModule({ initialPages: 1, maximumPages, shared }, functions);
}
