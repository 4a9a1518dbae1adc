import { createMethod, type MethodLayerResult, type MethodName, methodNames, type StepResult } from "@starkv/baselines";
import { type Budget, type ImageSpan, type LayerInput, resolveCapacity, Session } from "@starkv/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { randomInput, snapshot, unchanged } from "./inputs.js";

const budgetArbitrary: fc.Arbitrary<Budget> = fc.oneof(
  fc.record({ percent: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ percent: fc.double({ min: 0.5, max: 100, noNaN: true }), windowIncluded: fc.boolean() }),
  fc.record({ removed: fc.double({ min: 0, max: 0.99, noNaN: true }) }),
  fc.record({ tokens: fc.integer({ min: 1, max: 90 }) }),
);

/** Up to three sorted, disjoint spans inside `[0, seqLen)`, from cut points. */
function spansFrom(seqLen: number, cuts: number[]): ImageSpan[] {
  const points = [...new Set(cuts.map((cut) => Math.floor(cut * seqLen)))].sort((a, b) => a - b);
  const spans: ImageSpan[] = [];
  for (let i = 0; i + 1 < points.length; i += 2) if (points[i + 1]! > points[i]!) spans.push({ start: points[i]!, end: points[i + 1]! });
  return spans;
}

const caseArbitrary = fc.record({
  kvHeads: fc.integer({ min: 1, max: 3 }),
  groupSize: fc.integer({ min: 1, max: 3 }),
  seqLen: fc.integer({ min: 12, max: 70 }),
  headDim: fc.integer({ min: 1, max: 5 }),
  window: fc.integer({ min: 1, max: 8 }),
  extraRows: fc.integer({ min: 0, max: 4 }),
  kernel: fc.integer({ min: 1, max: 6 }),
  budget: budgetArbitrary,
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 6 }),
  hidden: fc.boolean(),
  layerCount: fc.integer({ min: 1, max: 6 }),
  layerMask: fc.integer({ min: 1, max: 63 }),
  seed: fc.integer(),
});

type Case = typeof caseArbitrary extends fc.Arbitrary<infer T> ? T : never;

function layersOf(c: Case): Map<number, LayerInput> {
  const rows = Math.min(c.seqLen, c.window + c.extraRows);
  const spans = spansFrom(c.seqLen, c.cuts);
  const layers = new Map<number, LayerInput>();
  for (let layer = 0; layer < c.layerCount; layer++) {
    if ((c.layerMask & (1 << layer)) === 0 && layers.size > 0) continue;
    layers.set(layer, randomInput(c.seed + layer, { kvHeads: c.kvHeads, groupSize: c.groupSize, seqLen: c.seqLen, headDim: c.headDim, rows, spans, hidden: c.hidden }));
  }
  return layers;
}

function optionsFor(name: MethodName, c: Case): object {
  if (name === "full") return { window: c.window };
  const base = { budget: c.budget, window: c.window };
  const pooled: MethodName[] = ["starkv", "snapkv", "snapkv-per-head", "guikv", "guikv-subspace", "pyramidkv", "adakv"];
  return pooled.includes(name) ? { ...base, kernel: c.kernel } : base;
}

function run(name: MethodName, c: Case): { step: StepResult; layers: Map<number, LayerInput> } {
  const layers = layersOf(c);
  const step = createMethod(name, optionsFor(name, c)).compressStep(new Session(), layers, { layerCount: c.layerCount });
  return { step, layers };
}

function checkLayout(result: MethodLayerResult, c: Case): void {
  const heads = c.kvHeads * c.groupSize;
  expect(result.heads.length * result.queryHeadsPerCacheHead).toBe(heads);
  expect(result.heads).toHaveLength(result.layout === "per-query-head" ? heads : c.kvHeads);
  for (const head of result.heads) {
    const { positions } = head;
    for (let s = 1; s < positions.length; s++) expect(positions[s]).toBeGreaterThan(positions[s - 1]!);
    expect(positions[0]).toBeGreaterThanOrEqual(0);
    expect(positions.at(-1)).toBeLessThan(c.seqLen);
    expect(head.keys.shape).toEqual([positions.length, c.headDim]);
    expect(head.values.shape).toEqual([positions.length, c.headDim]);
    // The window: the last `budget.window` prompt positions end every head.
    const window = result.budget.window;
    for (let i = 0; i < window; i++) expect(positions[positions.length - window + i]).toBe(c.seqLen - window + i);
  }
}

function checkPromise(result: MethodLayerResult): void {
  const counts = result.heads.map((head) => head.positions.length - result.budget.window);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(result.budget.keepTotal);
  if (result.budget.keepPerHead !== undefined) for (const count of counts) expect(count).toBe(result.budget.keepPerHead);
}

const uniform: MethodName[] = ["starkv", "snapkv", "snapkv-per-head", "guikv", "guikv-subspace", "streamingllm", "h2o", "random"];

describe("budget semantics of every method", () => {
  for (const name of methodNames()) {
    it(`${name} keeps what its budget promises`, () => {
      fc.assert(
        fc.property(caseArbitrary, (c) => {
          const layers = layersOf(c);
          const before = new Map([...layers].map(([layer, input]) => [layer, snapshot(input)]));
          const { step } = run(name, c);
          for (const [layer, input] of layers) expect(unchanged(input, before.get(layer)!)).toBe(true);

          const capacity = resolveCapacity(c.seqLen, name === "full" ? { tokens: c.seqLen } : c.budget, c.window);
          for (const result of step.layers.values()) {
            checkLayout(result, c);
            checkPromise(result);
            if (!result.compressed) {
              for (const head of result.heads) expect(head.positions).toHaveLength(c.seqLen);
              continue;
            }
            expect(result.budget.window).toBe(capacity.window);
            if (uniform.includes(name)) expect(result.budget.keepPerHead).toBe(capacity.keep);
            if (name === "adakv") expect(result.budget.keepTotal).toBe(c.kvHeads * capacity.keep);
            if (name === "pyramidkv" || name === "vlcache") expect(result.budget.keepPerHead).toBe(step.budgets.get(result.layer));
          }
          if (name === "full") expect([...step.layers.values()].every((result) => !result.compressed)).toBe(true);
          if (!capacity.compresses) return;
          const planned = [...step.budgets.values()].reduce((a, b) => a + b, 0);
          if (name === "pyramidkv") expect(planned).toBe(c.layerCount * capacity.keep);
          if (name === "vlcache") expect(planned).toBe(step.layers.size * capacity.keep);
        }),
        { numRuns: 60 },
      );
    });
  }
});
