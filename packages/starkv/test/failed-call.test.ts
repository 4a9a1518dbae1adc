import { createStarKV, Session, tensor } from "@starkv/starkv";
import { describe, expect, it } from "vitest";

const seqLen = 60;
const input = {
  queries: tensor(Float32Array.from({ length: 4 * 8 * 4 }, (_, i) => Math.sin(i)), [4, 8, 4]),
  keys: tensor(Float32Array.from({ length: 2 * seqLen * 4 }, (_, i) => Math.cos(i * 0.7)), [2, seqLen, 4]),
  values: tensor(Float32Array.from({ length: 2 * seqLen * 4 }, (_, i) => i), [2, seqLen, 4]),
  spans: [{ start: 3, end: 20 }, { start: 24, end: 44 }],
};

describe("a rejected call", () => {
  it("leaves the session untouched", () => {
    const session = new Session();
    expect(() => createStarKV({ mi: { grid: "image" } }).compress(session, 0, input)).toThrow(/has no grid/);
    expect(session.toJSON().layers).toEqual([]);
  });

  it("accepts the true grid", () => {
    const spans = [{ start: 3, end: 20 }, { start: 24, end: 44, grid: [4, 5] as const }];
    expect(createStarKV({ mi: { grid: "image" } }).compress(new Session(), 0, { ...input, spans }).compressed).toBe(true);
  });
});

describe("undefined nested options", () => {
  it("count as absent", () => {
    expect(() => createStarKV({ mi: { lambda: undefined }, budget: { percent: 20, windowIncluded: undefined } })).not.toThrow();
  });
});
