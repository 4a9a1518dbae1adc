import { Locals, param } from "./kernel-helpers.js";
import { Param } from "./kernel-params.js";
import { assembleModule, type Code, f32, f32Op, f32x4, forRange, get, i32, i32Op, seq, set, v128, v128Op, type ValueType } from "./wasm-builder.js";

const add = i32Op.add;
const c = i32Op.constant;

/**
 * Builds the finiteness scan of the staged block: it stores the sums of `x · 0` over the
 * `scanCount` staged floats as five float32 values at `scanResult` (four vector lanes and
 * the tail). `x · 0` is ±0 for every finite `x` and NaN otherwise, so all five are ±0
 * exactly when every value is finite. Four vector sums run side by side.
 */
function scanTask(): { params: ValueType[]; locals: ValueType[]; body: Code } {
  const l = new Locals(2);
  const i = l.add(i32), bytes = l.add(i32), vectorBytes = l.add(i32), data = l.add(i32);
  const sums = [l.add(v128), l.add(v128), l.add(v128), l.add(v128)];
  const zero = l.add(v128);
  const tail = l.add(f32);
  const accumulate = (sum: number, offset: number): Code =>
    set(sum, f32x4.add(get(sum), f32x4.mul(v128Op.load(add(get(data), get(i)), offset), get(zero))));
  return {
    params: [i32, i32],
    locals: l.types,
    body: seq(
      set(data, param(Param.scanData)),
      set(bytes, i32Op.mul(param(Param.scanCount), c(4))),
      set(vectorBytes, i32Op.and(get(bytes), c(~63))),
      set(zero, f32x4.constant(0)),
      ...sums.map((sum) => set(sum, f32x4.constant(0))),
      forRange(i, c(0), get(vectorBytes), 64, ...sums.map((sum, index) => accumulate(sum, index * 16))),
      set(tail, f32Op.constant(0)),
      forRange(i, get(vectorBytes), get(bytes), 4, set(tail, f32Op.add(get(tail), f32Op.mul(f32Op.load(add(get(data), get(i))), f32Op.constant(0))))),
      v128Op.store(param(Param.scanResult), f32x4.add(f32x4.add(get(sums[0]!), get(sums[1]!)), f32x4.add(get(sums[2]!), get(sums[3]!)))),
      f32Op.store(param(Param.scanResult), get(tail), 16),
    ),
  };
}

/**
 * Returns the binary of the finiteness-scan module. It imports `env.memory` (not shared)
 * with at most `maximumPages` 64 KiB pages. It exports `run(task, participant)`, which
 * scans the staged block and ignores both arguments.
 */
export function scanModule(maximumPages: number): Uint8Array<ArrayBuffer> {
  return assembleModule({ initialPages: 1, maximumPages, shared: false }, [{ name: "run", results: [], exported: true, ...scanTask() }]);
}
