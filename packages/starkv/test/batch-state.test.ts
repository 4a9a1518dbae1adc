import { createStarKV, type LayerInput, Session, type StarKVOptions } from "@starkv/starkv";
import { describe, expect, it } from "vitest";
import { createRandom, randomTensor } from "../../core/test/support/random.js";

function randomInput(seed: number): LayerInput {
  const random = createRandom(seed);
  return {
    queries: randomTensor(random, [4, 8, 4], 2),
    keys: randomTensor(random, [2, 60, 4], 2),
    values: randomTensor(random, [2, 60, 4]),
    hidden: randomTensor(random, [60], 3),
    spans: [
      { start: 3, end: 20 },
      { start: 24, end: 44 },
    ],
  };
}

function stateOf(session: Session, row: number, stage: string): Record<string, unknown> | undefined {
  return session.toJSON().layers[0]?.rows[row]?.[stage];
}

function compressPair(options: StarKVOptions, session = new Session()) {
  return createStarKV({ ...options, trace: true }).compressBatch(session, 0, [randomInput(1), randomInput(2)]);
}

describe("batchState", () => {
  it("advances a shared MI step per row", () => {
    const session = new Session();
    compressPair({ batchState: "shared" }, session);
    expect(stateOf(session, 0, "mi")?.["step"]).toBe(2);
  });

  it("keeps one shared state", () => {
    const session = new Session();
    compressPair({ batchState: "shared" }, session);
    expect(session.toJSON().layers[0]?.rows).toHaveLength(1);
  });

  it("advances the shared temporal step once", () => {
    const session = new Session();
    compressPair({ batchState: "shared" }, session);
    expect(stateOf(session, 0, "temporal")?.["step"]).toBe(1);
  });

  it("gives each row step 1 per row", () => {
    const session = new Session();
    compressPair({ batchState: "per-row" }, session);
    expect(stateOf(session, 0, "mi")?.["step"]).toBe(1);
    expect(stateOf(session, 1, "mi")?.["step"]).toBe(1);
  });

  it("defaults to per-row", () => {
    const session = new Session();
    compressPair({}, session);
    expect(stateOf(session, 1, "mi")?.["step"]).toBe(1);
  });

  it("ramps λ within a shared call", () => {
    // With N = 1 and R = 2 the rows get steps 1 and 2: λ = 0, then 0.5 · 1/2.
    const results = compressPair({ batchState: "shared", mi: { profileSteps: 1, rampSteps: 2 } });
    expect(results[0]?.trace?.["mi.lambda"]).toBe(0);
    expect(results[1]?.trace?.["mi.lambda"]).toBe(0.25);
  });

  it("keeps λ 0 for every per-row row", () => {
    const results = compressPair({ batchState: "per-row", mi: { profileSteps: 1, rampSteps: 2 } });
    expect(results[0]?.trace?.["mi.lambda"]).toBe(0);
    expect(results[1]?.trace?.["mi.lambda"]).toBe(0);
  });

  it("returns one result per row", () => {
    const results = compressPair({ batchState: "shared" });
    expect(results).toHaveLength(2);
    expect(results.every((result) => result.compressed)).toBe(true);
  });
});
