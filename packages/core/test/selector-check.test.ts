import { createCompressor, Session, type Stage, tensor } from "@starkv/core";
import { describe, expect, it } from "vitest";

const seqLen = 60;
const input = {
  queries: tensor(Float32Array.from({ length: 4 * 8 * 4 }, (_, i) => Math.sin(i)), [4, 8, 4]),
  keys: tensor(Float32Array.from({ length: 2 * seqLen * 4 }, (_, i) => Math.cos(i)), [2, seqLen, 4]),
  values: tensor(Float32Array.from({ length: 2 * seqLen * 4 }, (_, i) => i), [2, seqLen, 4]),
};

function withSelector(select: () => Int32Array) {
  return createCompressor({ stages: [], budget: { tokens: 10 }, selector: { name: "custom", select } });
}

describe("selector output check", () => {
  it("rejects an out-of-range position", () => {
    expect(() => withSelector(() => Int32Array.from([100, 3])).compress(new Session(), 0, input)).toThrow(/outside \[0, 52\)/);
  });

  it("rejects a wrong count", () => {
    expect(() => withSelector(() => Int32Array.from([1])).compress(new Session(), 0, input)).toThrow(/returned 1 positions instead of 2/);
  });

  it("rejects duplicates", () => {
    expect(() => withSelector(() => Int32Array.from([3, 3])).compress(new Session(), 0, input)).toThrow(/not strictly ascending/);
  });

  it("accepts a valid selection", () => {
    expect(Array.from(withSelector(() => Int32Array.from([3, 40])).compress(new Session(), 0, input).positions.slice(0, 2))).toEqual([3, 40]);
  });
});

describe("stage check", () => {
  it("runs before any state changes", () => {
    const counting: Stage<{ calls: number }> = { name: "count", initialState: () => ({ calls: 0 }), begin: (_, state) => void (state.calls += 1) };
    const strict: Stage<Record<string, never>> = {
      name: "strict",
      initialState: () => ({}),
      check: () => {
        throw new RangeError("strict stage: no");
      },
    };
    const session = new Session();
    expect(() => createCompressor({ stages: [counting, strict], budget: { tokens: 10 } }).compress(session, 0, input)).toThrow(/no/);
    expect(session.toJSON().layers).toEqual([]);
  });
});

describe("Session JSON with a skipped row", () => {
  it("round-trips", () => {
    const session = new Session();
    session.state({ name: "c", initialState: () => ({ n: 0 }) }, 0, 2);
    const restored = Session.fromJSON(JSON.parse(JSON.stringify(session.toJSON())));
    expect(restored.toJSON().layers[0]!.rows).toEqual([{}, {}, { c: { n: 0 } }]);
  });
});

describe("compress session argument", () => {
  it("rejects a missing session", () => {
    const compressor = createCompressor({ stages: [], budget: { tokens: 10 } });
    expect(() => compressor.compress(undefined as unknown as Session, 0, input)).toThrow(/session is undefined; pass a Session/);
  });
});
