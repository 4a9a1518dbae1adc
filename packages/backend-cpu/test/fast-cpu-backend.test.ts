import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createCpuBackend, type Pooling, type Tensor, tensor } from "@starkv/core";
import { createFastCpuBackend, kernelLayout, rowNormModule, scanModule, windowKernelModule } from "@starkv/backend-cpu";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { expectClose } from "./backend-suite.js";
import { tolerances } from "./tolerances.js";

/** Returns a seeded generator of uniform numbers in [−scale, scale). */
function createRandom(seed: number, scale: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32 * 2 - 1) * scale;
  };
}

function randomTensor(random: () => number, shape: number[]): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = random();
  return tensor(data, shape);
}

interface Case {
  readonly kvHeads: number;
  readonly groupSize: number;
  readonly headDim: number;
  readonly seqLen: number;
  readonly window: number;
  readonly extraRows: number;
  readonly kernel: number;
  readonly pooling: Pooling;
  readonly scale: number;
  readonly seed: number;
}

const caseArbitrary: fc.Arbitrary<Case> = fc
  .record({
    kvHeads: fc.integer({ min: 1, max: 4 }),
    groupSize: fc.integer({ min: 1, max: 7 }),
    headDim: fc.integer({ min: 1, max: 40 }),
    seqLen: fc.integer({ min: 2, max: 2600 }),
    window: fc.integer({ min: 1, max: 12 }),
    extraRows: fc.integer({ min: 0, max: 3 }),
    kernel: fc.integer({ min: 1, max: 8 }),
    pooling: fc.constantFrom<Pooling>("avgpool", "maxpool"),
    scale: fc.constantFrom(0.1, 1, 3),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .map((c) => ({ ...c, window: Math.min(c.window, c.seqLen - 1) }));

describe("fast-cpu windowScores", () => {
  const oracle = createCpuBackend();
  const single = createFastCpuBackend({ threads: 1 });
  const threaded = createFastCpuBackend({ threads: 3 });
  afterAll(() => {
    single.dispose();
    threaded.dispose();
  });

  it("matches the cpu oracle on random shapes", () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const random = createRandom(c.seed, c.scale);
        const heads = c.kvHeads * c.groupSize;
        const queries = randomTensor(random, [heads, c.window + c.extraRows, c.headDim]);
        const keys = randomTensor(random, [c.kvHeads, c.seqLen, c.headDim]);
        const expected = oracle.windowScores(queries, keys, c.window, c.kernel, c.pooling);
        for (const backend of [single, threaded]) {
          const actual = backend.windowScores(queries, keys, c.window, c.kernel, c.pooling);
          expect(actual.length).toBe(expected.length);
          expectClose(`${backend.threads} thread(s), ${JSON.stringify(c)}`, actual, expected, tolerances["fast-cpu"]!);
        }
      }),
      { numRuns: 60, seed: 20261204 },
    );
  });

  it("leaves its inputs unchanged", () => {
    const random = createRandom(7, 1);
    const queries = randomTensor(random, [8, 10, 12]);
    const keys = randomTensor(random, [2, 300, 12]);
    const before = [queries.data.slice(), keys.data.slice()];
    threaded.windowScores(queries, keys, 8, 5, "avgpool");
    expect(queries.data).toEqual(before[0]);
    expect(keys.data).toEqual(before[1]);
  });

  it("returns pooled scores that are finite and non-negative", () => {
    const random = createRandom(3, 4);
    const pooled = single.windowScores(randomTensor(random, [28, 8, 128]), randomTensor(random, [4, 1500, 128]), 8, 5, "avgpool");
    expect(pooled.length).toBe(28 * 1492);
    expect(pooled.every((value) => Number.isFinite(value) && value >= 0)).toBe(true);
  });

  it("puts the mass of each window row on past and window keys", () => {
    // One KV head, one query head and zero keys: each row's softmax is uniform over its visible keys.
    const seqLen = 20;
    const window = 4;
    const pooled = single.windowScores(tensor(new Float32Array(window * 8), [1, window, 8]), tensor(new Float32Array(seqLen * 8), [1, seqLen, 8]), window, 1, "avgpool");
    const pastLength = seqLen - window;
    let expected = 0;
    for (let i = 0; i < window; i++) expected += 1 / (pastLength + i + 1);
    for (const value of pooled) expect(value).toBeCloseTo(expected, 6);
  });

  it("grows its memory for a longer call and still matches", () => {
    const random = createRandom(11, 1);
    const small = [randomTensor(random, [4, 8, 16]), randomTensor(random, [2, 40, 16])] as const;
    const large = [randomTensor(random, [4, 8, 16]), randomTensor(random, [2, 5000, 16])] as const;
    for (const [queries, keys] of [small, large, small]) {
      expectClose("after growth", threaded.windowScores(queries, keys, 8, 5, "avgpool"), oracle.windowScores(queries, keys, 8, 5, "avgpool"), tolerances["fast-cpu"]!);
    }
  });

  it("reports working memory of order heads · window · seqLen", () => {
    const random = createRandom(5, 1);
    single.windowScores(randomTensor(random, [28, 8, 128]), randomTensor(random, [4, 4096, 128]), 8, 5, "avgpool");
    const floats = single.lastWorkingFloats;
    const logits = 4096 * 28 * 8;
    expect(floats).toBeGreaterThanOrEqual(logits);
    // Logits, two staging blocks of 1024 keys, column sums and per-thread rows.
    expect(floats).toBeLessThan(logits + 2 * 4 * 1024 * 128 + 28 * 4100 + 28 * 8 * 128 + 4 * 224 + 1024);
  });

  it("rejects invalid arguments with the value and the expectation", () => {
    const queries = tensor(new Float32Array(4 * 8 * 16), [4, 8, 16]);
    const keys = tensor(new Float32Array(2 * 40 * 16), [2, 40, 16]);
    expect(() => single.windowScores(queries, keys, 9, 5, "avgpool")).toThrow(/window is 9; expected an integer from 1 to min\(query rows 8, seqLen 40 − 1\)/);
    expect(() => single.windowScores(queries, keys, 8, 0, "avgpool")).toThrow(/kernel is 0; expected a positive integer/);
    expect(() => single.windowScores(queries, keys, 8, 5, "meanpool" as Pooling)).toThrow(/pooling is meanpool/);
    expect(() => single.windowScores(tensor(new Float32Array(3 * 8 * 16), [3, 8, 16]), keys, 8, 5, "avgpool")).toThrow(/heads must be a multiple of kvHeads/);
    expect(() => single.windowScores(queries, tensor(new Float32Array(2 * 40 * 8), [2, 40, 8]), 8, 5, "avgpool")).toThrow(/headDim equal/);
  });
});

describe("createFastCpuBackend", () => {
  it("rejects an invalid thread count", () => {
    expect(() => createFastCpuBackend({ threads: 0 })).toThrow(/threads is 0; expected an integer from 1 to 256/);
    expect(() => createFastCpuBackend({ threads: 1.5 })).toThrow(RangeError);
    expect(() => createFastCpuBackend({ workerTimeoutMs: -1 })).toThrow(/workerTimeoutMs is -1/);
  });

  it("throws after dispose", () => {
    const backend = createFastCpuBackend({ threads: 2 });
    backend.dispose();
    const queries = tensor(new Float32Array(16), [1, 2, 8]);
    expect(() => backend.windowScores(queries, tensor(new Float32Array(80), [1, 10, 8]), 2, 1, "avgpool")).toThrow(/disposed/);
    expect(() => backend.gather(queries, Int32Array.of(0))).toThrow(/disposed/);
  });

  it("gathers rows of every head like the core gather", () => {
    const backend = createFastCpuBackend({ threads: 1 });
    const cache = tensor(Float32Array.from({ length: 2 * 5 * 3 }, (_, i) => i), [2, 5, 3]);
    const gathered = backend.gather(cache, Int32Array.of(4, 0));
    expect(gathered.shape).toEqual([2, 2, 3]);
    expect(Array.from(gathered.data)).toEqual([12, 13, 14, 0, 1, 2, 27, 28, 29, 15, 16, 17]);
    backend.dispose();
  });

  it("defaults to the available parallelism in Node", () => {
    const backend = createFastCpuBackend();
    expect(backend.threads).toBeGreaterThanOrEqual(1);
    backend.dispose();
  });
});

describe("kernel module", () => {
  it("stays under 4 KiB so browsers compile it synchronously on the main thread", () => {
    // Chrome rejects synchronous WebAssembly compilation above 4 KiB on the main thread.
    expect(windowKernelModule(false, 32768).length).toBeLessThan(4096);
    expect(WebAssembly.validate(windowKernelModule(false, 32768))).toBe(true);
    expect(WebAssembly.validate(windowKernelModule(true, 32768))).toBe(true);
    expect(rowNormModule(32768).length).toBeLessThan(4096);
    expect(WebAssembly.validate(rowNormModule(32768))).toBe(true);
    expect(scanModule(32768).length).toBeLessThan(4096);
    expect(WebAssembly.validate(scanModule(32768))).toBe(true);
  });

  it("pads head dimensions to 8 and group rows to 4", () => {
    const layout = kernelLayout({ heads: 6, kvHeads: 2, headDim: 10, queryRows: 5, seqLen: 50, window: 3, kernel: 4, maxPool: false }, 2);
    expect(layout.paddedHeadDim).toBe(16);
    expect(layout.groupRows).toBe(12);
    expect(layout.totalRows).toBe(24);
    expect(layout.pooledLength).toBe(48);
  });
});

describe("browser entry", () => {
  it("imports only its own files and @starkv/core at load time", () => {
    // Worker threads are reached through process.getBuiltinModule when asked for, never imported.
    const source = fileURLToPath(new URL("../src/", import.meta.url));
    let checked = 0;
    for (const file of readdirSync(source)) {
      const text = readFileSync(`${source}${file}`, "utf8");
      const specifiers = [...text.matchAll(/^(?:import|export)\b[^;]*?from\s+["']([^"']+)["']/gms)].map((match) => match[1]!);
      for (const specifier of specifiers) expect(specifier, `${file} imports ${specifier}`).toMatch(/^(\.\/|@starkv\/core$)/);
      checked += specifiers.length;
    }
    expect(checked).toBeGreaterThan(10);
  });
});
