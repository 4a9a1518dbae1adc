import { createCompressor, type LayerInput, Session, type SessionJson, type Stage, tensor } from "@starkv/core";
import { describe, expect, it } from "vitest";

interface CounterState {
  [key: string]: number;
  calls: number;
}

/** Creates a stage that counts its calls per layer. `resetTo`, when given, becomes its `resetState`. */
function counterStage(resetTo?: (state: CounterState) => CounterState): Stage<CounterState> {
  return {
    name: "counter",
    initialState: () => ({ calls: 0 }),
    ...(resetTo === undefined ? {} : { resetState: resetTo }),
    begin(_call, state) {
      state.calls += 1;
    },
  };
}

const input: LayerInput = {
  queries: tensor(new Float32Array(2 * 4 * 2).fill(0.5), [2, 4, 2]),
  keys: tensor(Float32Array.from({ length: 20 * 2 }, (_, i) => Math.sin(i)), [1, 20, 2]),
  values: tensor(new Float32Array(20 * 2), [1, 20, 2]),
};

function countingCompressor(stage: Stage<CounterState> = counterStage()) {
  return createCompressor({ stages: [stage], budget: { tokens: 10 }, window: 4 });
}

function callsOf(session: Session, layer = 0): unknown {
  return session.toJSON().layers.find((entry) => entry.layer === layer)?.rows[0]?.["counter"]?.["calls"];
}

describe("Session", () => {
  it("writes the documented JSON", () => {
    const compressor = countingCompressor();
    const session = new Session();
    compressor.compress(session, 0, input);
    compressor.compress(session, 0, input);
    compressor.compress(session, 3, input);
    expect(session.toJSON()).toEqual({
      format: "starkv-session/1",
      layers: [
        { layer: 0, rows: [{ counter: { calls: 2 } }] },
        { layer: 3, rows: [{ counter: { calls: 1 } }] },
      ],
    });
  });

  it("round trips through JSON text", () => {
    const compressor = countingCompressor();
    const session = new Session();
    compressor.compress(session, 0, input);
    compressor.compress(session, 2, input);
    const json = session.toJSON();
    const restored = Session.fromJSON(JSON.parse(JSON.stringify(json)));
    expect(restored.toJSON()).toEqual(json);
  });

  it("continues counting after a restore", () => {
    const compressor = countingCompressor();
    const session = new Session();
    compressor.compress(session, 0, input);
    compressor.compress(session, 0, input);
    const restored = Session.fromJSON(session.toJSON());
    compressor.compress(restored, 0, input);
    expect(callsOf(restored)).toBe(3);
  });

  it("returns a deep copy from toJSON", () => {
    const session = new Session();
    countingCompressor().compress(session, 0, input);
    const json = session.toJSON() as unknown as { layers: { rows: { counter: CounterState }[] }[] };
    json.layers[0]!.rows[0]!.counter.calls = 99;
    expect(callsOf(session)).toBe(1);
  });

  it("copies the JSON it restores", () => {
    const json = { format: "starkv-session/1", layers: [{ layer: 0, rows: [{ counter: { calls: 4 } }] }] };
    const session = Session.fromJSON(json);
    json.layers[0]!.rows[0]!.counter.calls = 99;
    expect(callsOf(session)).toBe(4);
  });

  it("lists layers in ascending order", () => {
    const compressor = countingCompressor();
    const session = new Session();
    compressor.compress(session, 5, input);
    compressor.compress(session, 2, input);
    expect(session.layers()).toEqual([2, 5]);
  });

  it("restarts state on reset", () => {
    const compressor = countingCompressor();
    const session = new Session();
    compressor.compress(session, 0, input);
    compressor.compress(session, 0, input);
    session.reset();
    compressor.compress(session, 0, input);
    expect(callsOf(session)).toBe(1);
  });

  it("applies resetState on reset", () => {
    const compressor = countingCompressor(counterStage((state) => ({ calls: state.calls + 100 })));
    const session = new Session();
    compressor.compress(session, 0, input);
    compressor.compress(session, 0, input);
    session.reset();
    expect(callsOf(session)).toBe(102);
  });

  it("resets restored state on first use", () => {
    // A restored session has not seen the stage run: the reset waits for the stage.
    const session = Session.fromJSON({ format: "starkv-session/1", layers: [{ layer: 0, rows: [{ counter: { calls: 4 } }] }] });
    session.reset();
    countingCompressor(counterStage((state) => ({ calls: state.calls + 100 }))).compress(session, 0, input);
    expect(callsOf(session)).toBe(105);
  });

  it("carries a pending reset through JSON", () => {
    const session = Session.fromJSON({ format: "starkv-session/1", layers: [{ layer: 0, rows: [{ counter: { calls: 4 } }] }] });
    session.reset();
    const restored = Session.fromJSON(JSON.parse(JSON.stringify(session.toJSON())));
    expect(restored.toJSON().pendingReset).toEqual([{ layer: 0, row: 0, stage: "counter" }]);
    countingCompressor().compress(restored, 0, input);
    expect(callsOf(restored)).toBe(1);
  });

  it("never shares state between sessions", () => {
    const compressor = countingCompressor();
    const first = new Session();
    const second = new Session();
    compressor.compress(first, 0, input);
    compressor.compress(first, 0, input);
    compressor.compress(second, 0, input);
    expect(callsOf(first)).toBe(2);
    expect(callsOf(second)).toBe(1);
  });

  it("clones into an independent session", () => {
    const compressor = countingCompressor();
    const session = new Session();
    compressor.compress(session, 0, input);
    const copy = session.clone();
    compressor.compress(copy, 0, input);
    expect(callsOf(session)).toBe(1);
    expect(callsOf(copy)).toBe(2);
  });

  it("keeps resetState in a clone", () => {
    const compressor = countingCompressor(counterStage((state) => ({ calls: state.calls + 100 })));
    const session = new Session();
    compressor.compress(session, 0, input);
    const copy = session.clone();
    copy.reset();
    expect(callsOf(copy)).toBe(101);
  });

  it("writes an empty session", () => {
    expect(new Session().toJSON()).toEqual({ format: "starkv-session/1", layers: [] } satisfies SessionJson);
  });
});

describe("Session.fromJSON", () => {
  const format = "starkv-session/1";

  it.each([
    { name: "null", json: null, message: "expected an object, got null" },
    { name: "a number", json: 3, message: "expected an object, got number" },
    { name: "an array", json: [], message: "expected an object, got object" },
    { name: "a wrong format", json: { format: "starkv-session/2", layers: [] }, message: 'format is "starkv-session/2"' },
    { name: "a missing format", json: { layers: [] }, message: "format is undefined" },
    { name: "missing layers", json: { format }, message: "layers is missing or not an array" },
    { name: "a non-object layer", json: { format, layers: [5] }, message: "layers[0] is not an object" },
    { name: "a negative layer", json: { format, layers: [{ layer: -1, rows: [] }] }, message: "layers[0].layer is -1" },
    { name: "a fractional layer", json: { format, layers: [{ layer: 1.5, rows: [] }] }, message: "layers[0].layer is 1.5" },
    { name: "missing rows", json: { format, layers: [{ layer: 0 }] }, message: "layers[0].rows must be an array" },
    { name: "a non-object state", json: { format, layers: [{ layer: 0, rows: [{ counter: 3 }] }] }, message: "layers[0].rows must be an array" },
    { name: "a null row", json: { format, layers: [{ layer: 0, rows: [null] }] }, message: "layers[0].rows must be an array" },
  ])("rejects $name", ({ json, message }) => {
    expect(() => Session.fromJSON(json)).toThrow(TypeError);
    expect(() => Session.fromJSON(json)).toThrow(`Session.fromJSON(): ${message}`);
  });
});
