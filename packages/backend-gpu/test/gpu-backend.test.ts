import { createCpuBackend, type Pooling, type Tensor, tensor } from "@starkv/core";
import { availableGpuModes, createGpuBackend, type GpuMode } from "@starkv/backend-gpu";
import fc from "fast-check";
import { CPUKernel, HeadlessGLKernel } from "gpu.js";
import { afterAll, describe, expect, it } from "vitest";
import { expectClose } from "../../backend-cpu/test/backend-suite.js";
import { runningMode } from "../src/gpu-modes.js";
import { gpuTolerance, headlessGlSkipReason } from "./support.js";

function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32) * 2 - 1;
  };
}

function randomTensor(random: () => number, shape: number[]): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = random();
  return tensor(data, shape);
}

const available = availableGpuModes();
const glSkipReason = headlessGlSkipReason(available);
const testedModes: { mode: GpuMode; skip: boolean }[] = [
  { mode: "cpu", skip: false },
  { mode: "headlessgl", skip: glSkipReason !== undefined },
];

for (const { mode, skip } of testedModes) {
  describe.skipIf(skip)(`gpu.js:${mode} windowScores`, () => {
    const oracle = createCpuBackend();
    const backend = skip ? undefined : createGpuBackend({ mode });
    afterAll(() => backend?.dispose());

    it("matches the cpu oracle on random shapes", () => {
      fc.assert(
        fc.property(
          fc.record({
            kvHeads: fc.integer({ min: 1, max: 3 }),
            groupSize: fc.integer({ min: 1, max: 4 }),
            headDim: fc.integer({ min: 1, max: 24 }),
            seqLen: fc.integer({ min: 2, max: 300 }),
            window: fc.integer({ min: 1, max: 8 }),
            kernel: fc.integer({ min: 1, max: 7 }),
            pooling: fc.constantFrom<Pooling>("avgpool", "maxpool"),
            seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          }),
          (c) => {
            const window = Math.min(c.window, c.seqLen - 1);
            const random = createRandom(c.seed);
            const queries = randomTensor(random, [c.kvHeads * c.groupSize, window + 1, c.headDim]);
            const keys = randomTensor(random, [c.kvHeads, c.seqLen, c.headDim]);
            const expected = oracle.windowScores(queries, keys, window, c.kernel, c.pooling);
            expectClose(JSON.stringify(c), backend!.windowScores(queries, keys, window, c.kernel, c.pooling), expected, gpuTolerance);
          },
        ),
        { numRuns: mode === "cpu" ? 40 : 15, seed: 20261204 },
      );
    });

    it("gives the same scores through windowScoresAsync", async () => {
      const random = createRandom(9);
      const queries = randomTensor(random, [4, 8, 16]);
      const keys = randomTensor(random, [2, 100, 16]);
      const sync = backend!.windowScores(queries, keys, 8, 5, "avgpool");
      expect(Array.from(await backend!.windowScoresAsync(queries, keys, 8, 5, "avgpool"))).toEqual(Array.from(sync));
    });

    it("reports the mode that ran in its name", () => {
      expect(backend!.name).toBe(`gpu.js:${mode}`);
      expect(backend!.mode).toBe(mode);
    });
  });
}

describe("createGpuBackend", () => {
  it("rejects an unknown mode and lists the modes", () => {
    expect(() => createGpuBackend({ mode: "cuda" as GpuMode })).toThrow(/mode is "cuda"; expected one of cpu, headlessgl, webgl, webgl2, webgpu \(available here: cpu/);
  });

  it("names the requested and the available modes when a mode cannot run", () => {
    expect(() => createGpuBackend({ mode: "webgl2" })).toThrow(new RegExp(`gpu.js cannot run mode "webgl2" .*available here: ${available.join(", ")}\\. WebGL2 needs a browser`));
  });

  it.skipIf(glSkipReason !== undefined)("rejects keys too large for float32 shader indices", () => {
    const backend = createGpuBackend({ mode: "headlessgl" });
    const keys = tensor(new Float32Array(2 ** 24), [4, 2 ** 15, 128]);
    expect(() => backend.windowScores(tensor(new Float32Array(28 * 8 * 128), [28, 8, 128]), keys, 8, 5, "avgpool")).toThrow(/hold 16777216 values; shaders index them in float32, which is exact only below 16777216/);
    backend.dispose();
  });

  it.skipIf(glSkipReason === undefined)("explains how to get headless-gl when it is missing", () => {
    expect(() => createGpuBackend({ mode: "headlessgl" })).toThrow(/cannot run mode "headlessgl".*xvfb-run -a/);
  });

  it("rejects invalid window arguments", () => {
    const backend = createGpuBackend({ mode: "cpu" });
    const queries = tensor(new Float32Array(2 * 4 * 8), [2, 4, 8]);
    const keys = tensor(new Float32Array(1 * 10 * 8), [1, 10, 8]);
    expect(() => backend.windowScores(queries, keys, 5, 5, "avgpool")).toThrow(/window is 5; expected an integer from 1 to min\(query rows 4, seqLen 10 − 1\)/);
    expect(() => backend.windowScores(queries, keys, 4, 0, "avgpool")).toThrow(/kernel is 0/);
    backend.dispose();
    expect(() => backend.windowScores(queries, keys, 4, 5, "avgpool")).toThrow(/disposed/);
  });

  it("leaves its inputs unchanged", () => {
    const backend = createGpuBackend({ mode: "cpu" });
    const random = createRandom(4);
    const queries = randomTensor(random, [4, 9, 8]);
    const keys = randomTensor(random, [2, 50, 8]);
    const before = [queries.data.slice(), keys.data.slice()];
    backend.windowScores(queries, keys, 8, 5, "maxpool");
    expect(queries.data).toEqual(before[0]);
    expect(keys.data).toEqual(before[1]);
    backend.dispose();
  });
});

describe("runningMode", () => {
  it("tells kernels apart by their exact class", () => {
    expect(runningMode({ kernel: Object.create(CPUKernel.prototype) as object })).toBe("cpu");
    expect(runningMode({ kernel: Object.create(HeadlessGLKernel.prototype) as object })).toBe("headlessgl");
    expect(runningMode({ kernel: {} })).toBeUndefined();
    expect(runningMode({})).toBeUndefined();
  });
});
