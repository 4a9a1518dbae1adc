import { createGuiKV, createSnapKV, firstKeysBasis, principalKeysBasis, projectionResiduals, redundantTokens, symmetricEigen } from "@starkv/baselines";
import { Session, tensor } from "@starkv/core";
import { describe, expect, it } from "vitest";
import { createRandom, randomInput } from "./inputs.js";

function randomMatrix(seed: number, rows: number, cols: number): Float64Array {
  const random = createRandom(seed);
  return Float64Array.from({ length: rows * cols }, () => random() * 2 - 1);
}

function expectOrthonormal(basis: Float64Array, rank: number, dim: number): void {
  for (let a = 0; a < rank; a++) {
    for (let b = 0; b < rank; b++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += basis[a * dim + d]! * basis[b * dim + d]!;
      expect(dot).toBeCloseTo(a === b ? 1 : 0, 10);
    }
  }
}

describe("firstKeysBasis", () => {
  it("is orthonormal and spans the first keys", () => {
    const keys = randomMatrix(1, 10, 6);
    const basis = firstKeysBasis(keys, 10, 6, 3);
    expectOrthonormal(basis, 3, 6);
    const residuals = projectionResiduals(keys, 10, 6, basis);
    for (let t = 0; t < 3; t++) expect(residuals[t]).toBeCloseTo(0, 10);
    expect(residuals[5]).toBeGreaterThan(1e-3);
  });

  it("matches Gram–Schmidt up to sign", () => {
    // Keys e1 + e2 and e2: Gram–Schmidt gives (1, 1)/√2 and (−1, 1)/√2.
    const basis = firstKeysBasis(Float64Array.from([1, 1, 0, 0, 1, 0]), 2, 3, 2);
    expect(Math.abs(basis[0]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(Math.abs(basis[1]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(basis[2]).toBeCloseTo(0, 12);
    expect(Math.abs(basis[3]! * basis[4]!)).toBeCloseTo(0.5, 12);
    expect(basis[3]! * basis[4]!).toBeLessThan(0);
  });
});

describe("principalKeysBasis", () => {
  it("finds the direction of largest spread", () => {
    // Keys along (1, 0, 0) with length up to 5, small noise along the other axes.
    const random = createRandom(2);
    const keys = new Float64Array(30 * 3);
    for (let t = 0; t < 30; t++) {
      keys[t * 3] = (random() * 2 - 1) * 5;
      keys[t * 3 + 1] = (random() * 2 - 1) * 0.1;
      keys[t * 3 + 2] = (random() * 2 - 1) * 0.1;
    }
    const basis = principalKeysBasis(keys, 30, 3, 1);
    expect(Math.abs(basis[0]!)).toBeGreaterThan(0.999);
  });

  it("leaves out directions the keys do not span", () => {
    const keys = Float64Array.from([1, 0, 0, 2, 0, 0, 0, 1, 0]);
    const basis = principalKeysBasis(keys, 3, 3, 3);
    expect(basis.length / 3).toBe(2);
    expectOrthonormal(basis, 2, 3);
  });

  it("uses the token Gram matrix for few tokens", () => {
    const keys = randomMatrix(3, 4, 9);
    const basis = principalKeysBasis(keys, 4, 9, 4);
    expectOrthonormal(basis, 4, 9);
    const residuals = projectionResiduals(keys, 4, 9, basis);
    for (const r of residuals) expect(r).toBeCloseTo(0, 8);
  });
});

describe("symmetricEigen", () => {
  it("diagonalises a symmetric matrix", () => {
    const a = Float64Array.from([4, 1, 0, 1, 3, 1, 0, 1, 2]);
    const { values, vectors } = symmetricEigen(a, 3);
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < 3; i++) {
        let av = 0;
        for (let j = 0; j < 3; j++) av += a[i * 3 + j]! * vectors[j * 3 + k]!;
        expect(av).toBeCloseTo(values[k]! * vectors[i * 3 + k]!, 10);
      }
    }
    expect([...values].reduce((x, y) => x + y, 0)).toBeCloseTo(9, 10);
  });
});

describe("redundantTokens", () => {
  it("marks the earlier keys the current screenshot repeats", () => {
    // Screenshot 0 (positions 0-5) repeats keys of screenshot 1 (6-9) at 1, 3 and 4.
    const dim = 8;
    const random = createRandom(4);
    const data = Float32Array.from({ length: 12 * dim }, () => random() * 2 - 1);
    for (const [earlier, current] of [[1, 6], [3, 7], [4, 9]] as const) data.copyWithin(earlier * dim, current * dim, (current + 1) * dim);
    const keys = tensor(data, [1, 12, dim]);
    const spans = [{ start: 0, end: 6 }, { start: 6, end: 10 }];
    // r = 4: the basis spans all four current keys, so the three copies have residual 0;
    // β = 0.5 marks floor(0.5 · 6) = 3 tokens.
    const all = redundantTokens(keys, spans, { rank: 4, subspace: "first-keys", keepRatio: 0.5 });
    expect(all.previousTokens).toBe(6);
    expect([...all.positions[0]!]).toEqual([1, 3, 4]);
    // r = 3 spans keys 6, 7, 8 only, so the copy of key 9 is no longer explained;
    // β = 0.6 marks floor(0.4 · 6) = 2 tokens.
    const firstThree = redundantTokens(keys, spans, { rank: 3, subspace: "first-keys", keepRatio: 0.6 });
    expect([...firstThree.positions[0]!]).toEqual([1, 3]);
  });

  it("marks nothing with one screenshot", () => {
    const keys = tensor(new Float32Array(20), [1, 10, 2]);
    expect(redundantTokens(keys, [{ start: 2, end: 8 }], { rank: 32, subspace: "first-keys", keepRatio: 0.2 }).positions[0]).toHaveLength(0);
  });
});

describe("GUI-KV", () => {
  const shape = { kvHeads: 2, groupSize: 2, seqLen: 70, headDim: 4, rows: 8 };

  it("equals SnapKV without hidden states and with one screenshot", () => {
    const input = randomInput(5, { ...shape, spans: [{ start: 10, end: 50 }] });
    const gui = createGuiKV({ budget: { percent: 30 } }).compressLayer(new Session(), 0, input);
    const snap = createSnapKV({ budget: { percent: 30 } }).compressLayer(new Session(), 0, input);
    expect(gui.heads.map((h) => [...h.positions])).toEqual(snap.heads.map((h) => [...h.positions]));
  });

  it("boosts the current screenshot", () => {
    const input = randomInput(6, { ...shape, hidden: true, spans: [{ start: 5, end: 25 }, { start: 30, end: 55 }] });
    const result = createGuiKV({ budget: { percent: 30 }, alpha: 50 }).compressLayer(new Session(), 0, input);
    // A large α puts the whole past budget on the current screenshot's tokens.
    for (const head of result.heads) for (const j of head.positions.subarray(0, result.capacity.keep)) expect(j >= 30 && j < 55).toBe(true);
  });

  it("drops redundant earlier tokens and reports them", () => {
    // The earlier screenshot (positions 0-19) is a copy of the current one (20-39): all redundant.
    const input = randomInput(7, { ...shape, spans: [{ start: 0, end: 20 }, { start: 20, end: 40 }] });
    const keys = input.keys.data.slice();
    for (let g = 0; g < 2; g++) keys.copyWithin(g * 70 * 4, (g * 70 + 20) * 4, (g * 70 + 40) * 4);
    const copied = { ...input, keys: tensor(keys, [2, 70, 4]) };
    const result = createGuiKV({ budget: { percent: 30 } }).compressLayer(new Session(), 0, copied);
    // β = 21/70 = 0.3 → floor(0.7 · 20) = 14 of the 20 earlier tokens get score 0.
    expect(result.notes.join("\n")).toMatch(/14 of 20 earlier-screenshot tokens per KV head got score 0/);
    for (const head of result.heads) expect(head.positions.filter((j) => j < 20).length).toBeLessThanOrEqual(6);
  });

  it("offers the principal subspace as guikv-subspace", () => {
    expect(createGuiKV({ subspace: "principal" }).name).toBe("guikv-subspace");
  });
});
