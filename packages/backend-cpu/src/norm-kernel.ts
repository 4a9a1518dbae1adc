import { Locals, param } from "./kernel-helpers.js";
import { Param } from "./kernel-params.js";
import { assembleModule, type Code, f32Op, f32x4, f64, f64Op, f64x2, forRange, get, i32, i32Op, lanes32, select, seq, set, v128, v128Op, type ValueType } from "./wasm-builder.js";

const add = i32Op.add;
const mul = i32Op.mul;
const c = i32Op.constant;

/** Rows that run side by side, each with two vector sums in flight. */
const groupRows = 2;

/**
 * Builds one task of the row-norm module: it writes the L2 norms of the staged rows
 * `[task · chunk, (task + 1) · chunk)`, cut at the staged count, as float64 to output slots
 * `normFirst + row`.
 *
 * The sums follow `hiddenNorms` in core operation by operation, so the norms are equal
 * bit for bit. Float32 values are widened exactly, and their float64 squares go into four
 * partial sums by column `d mod 4`, which are two `f64x2` vectors here. The columns after
 * the last multiple of 4 go into the first sum. The four sums are added in order before
 * the square root. Two rows run side by side, so that four vector sums are in flight.
 */
export function rowNormsTask(): { params: ValueType[]; locals: ValueType[]; body: Code } {
  const task = 0;
  const l = new Locals(2);
  const r = l.add(i32), r1 = l.add(i32), d = l.add(i32), rowBytes = l.add(i32), vectorBytes = l.add(i32), row = l.add(i32);
  const bases = Array.from({ length: groupRows }, () => l.add(i32));
  const loaded = l.add(v128), low = l.add(v128), high = l.add(v128);
  const sums = Array.from({ length: groupRows }, () => [l.add(v128), l.add(v128)] as const);
  const s0 = l.add(f64), s1 = l.add(f64), s2 = l.add(f64), s3 = l.add(f64), x = l.add(f64);

  // sum01 += [x0², x1²] and sum23 += [x2², x3²] for the four floats at `address`.
  const accumulate = (address: Code, sum01: number, sum23: number): Code =>
    seq(
      set(loaded, v128Op.load(address)),
      set(low, f64x2.promoteLowF32x4(get(loaded))),
      set(high, f64x2.promoteLowF32x4(v128Op.shuffle(get(loaded), get(loaded), lanes32(2, 3, 0, 1)))),
      set(sum01, f64x2.add(get(sum01), f64x2.mul(get(low), get(low)))),
      set(sum23, f64x2.add(get(sum23), f64x2.mul(get(high), get(high)))),
    );
  // Adds the tail columns to s0 and stores sqrt(((s0 + s1) + s2) + s3) for staged row `row`.
  const finish = (base: number, sum01: number, sum23: number): Code =>
    seq(
      set(s0, f64x2.extractLane(get(sum01), 0)),
      set(s1, f64x2.extractLane(get(sum01), 1)),
      set(s2, f64x2.extractLane(get(sum23), 0)),
      set(s3, f64x2.extractLane(get(sum23), 1)),
      forRange(d, get(vectorBytes), get(rowBytes), 4,
        set(x, f64Op.promoteF32(f32Op.load(add(get(base), get(d))))),
        set(s0, f64Op.add(get(s0), f64Op.mul(get(x), get(x)))),
      ),
      f64Op.store(
        add(param(Param.normOut), mul(add(param(Param.normFirst), get(row)), c(8))),
        f64Op.sqrt(f64Op.add(f64Op.add(f64Op.add(get(s0), get(s1)), get(s2)), get(s3))),
      ),
    );
  // The norms of `count` rows from row `r` on, side by side.
  const rows = (count: number): Code =>
    seq(
      ...bases.slice(0, count).map((base, i) => set(base, add(param(Param.normRows), mul(add(get(r), c(i)), get(rowBytes))))),
      ...sums.slice(0, count).flatMap(([sum01, sum23]) => [set(sum01, f32x4.constant(0)), set(sum23, f32x4.constant(0))]),
      forRange(d, c(0), get(vectorBytes), 16, ...sums.slice(0, count).map(([sum01, sum23], i) => accumulate(add(get(bases[i]!), get(d)), sum01, sum23))),
      ...sums.slice(0, count).map(([sum01, sum23], i) => seq(set(row, add(get(r), c(i))), finish(bases[i]!, sum01, sum23))),
    );

  // Groups of rows while a whole group fits before r1, then single rows.
  const groupEnd = select(i32Op.sub(get(r1), c(groupRows - 1)), c(0), i32Op.geU(get(r1), c(groupRows - 1)));
  return {
    params: [i32, i32],
    locals: l.types,
    body: seq(
      set(r, mul(get(task), param(Param.normChunk))),
      set(r1, i32Op.minU(add(get(r), param(Param.normChunk)), param(Param.normCount))),
      set(rowBytes, mul(param(Param.normWidth), c(4))),
      set(vectorBytes, mul(i32Op.and(param(Param.normWidth), c(~3)), c(4))),
      forRange(r, get(r), groupEnd, groupRows, rows(groupRows)),
      forRange(r, get(r), get(r1), 1, rows(1)),
    ),
  };
}

/**
 * Returns the binary of the row-norm module. It imports `env.memory` (not shared) with at
 * most `maximumPages` 64 KiB pages. It exports `run(task, participant)`, which computes the
 * norms of one task's rows and ignores `participant`.
 */
export function rowNormModule(maximumPages: number): Uint8Array<ArrayBuffer> {
  return assembleModule({ initialPages: 1, maximumPages, shared: false }, [{ name: "run", results: [], exported: true, ...rowNormsTask() }]);
}
