import { assembleModule, brIf, f32, f32x4, get, i32, i32Op, loop, seq, set, tee, v128, type ValueType } from "./wasm-builder.js";

const accumulators = 8;

/**
 * Emits a module that exports `spin(iterations) → f32`: eight independent chains
 * `acc = acc · m + c` of `f32x4` multiply and add, the instructions the window kernels
 * use (64 FLOP per iteration). It imports a one-page memory only because the builder
 * always imports one.
 */
export function simdPeakModule(): Uint8Array<ArrayBuffer> {
  const iterations = 0;
  const multiplier = 1 + accumulators;
  const addend = multiplier + 1;
  const chains = Array.from({ length: accumulators }, (_, a) => a + 1);
  const body = seq(
    ...chains.map((a) => set(a, f32x4.constant(a * 0.001))),
    set(multiplier, f32x4.constant(0.999)),
    set(addend, f32x4.constant(0.001)),
    loop(
      ...chains.map((a) => set(a, f32x4.add(f32x4.mul(get(a), get(multiplier)), get(addend)))),
      brIf(0, tee(iterations, i32Op.sub(get(iterations), i32Op.constant(1)))),
    ),
    // Return a lane of the sum so that the chains cannot be dropped as dead code.
    f32x4.extractLane(chains.slice(1).reduce((sum, a) => f32x4.add(sum, get(a)), get(1)), 0),
  );
  return assembleModule({ initialPages: 1, maximumPages: 1, shared: false }, [
    { name: "spin", params: [i32], results: [f32], locals: [...chains.map((): ValueType => v128), v128, v128], body, exported: true },
  ]);
}

/**
 * Measures one thread's f32 FLOP/s of WebAssembly SIMD multiply plus add: the best of
 * three runs of `iterations` loop iterations. This is the ceiling of kernels written
 * with baseline WebAssembly SIMD, which has no fused multiply-add, so the machine's FMA
 * rate (for example through a BLAS) can be several times higher.
 */
export function measureSimdPeak(iterations = 20_000_000): number {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(simdPeakModule()), { env: { memory } });
  const spin = instance.exports["spin"] as (count: number) => number;
  spin(Math.max(1, Math.floor(iterations / 20)));
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    spin(iterations);
    best = Math.min(best, performance.now() - start);
  }
  return (iterations * accumulators * 4 * 2) / (best / 1000);
}
