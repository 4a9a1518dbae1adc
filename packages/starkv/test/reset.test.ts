import { createStarKV, type LayerInput, Session } from "@starkv/starkv";
import { describe, expect, it } from "vitest";
import { createRandom, randomTensor } from "../../core/test/support/random.js";

function randomInput(seed: number): LayerInput {
  const random = createRandom(seed);
  return {
    queries: randomTensor(random, [4, 8, 4], 2),
    keys: randomTensor(random, [2, 60, 4], 2),
    values: randomTensor(random, [2, 60, 4]),
    hidden: randomTensor(random, [60, 6], 3),
    spans: [
      { start: 3, end: 20 },
      { start: 24, end: 44 },
    ],
  };
}

function stateOf(session: Session, stage: string): Record<string, unknown> | undefined {
  return session.toJSON().layers[0]?.rows[0]?.[stage];
}

describe("Session.reset with STaR-KV", () => {
  it("keeps the temperature when asked", () => {
    const session = new Session();
    createStarKV({ sharpen: { keepTemperatureOnReset: true } }).compress(session, 0, randomInput(1));
    const temperature = stateOf(session, "sharpen")?.["temperature"];
    expect(typeof temperature).toBe("number");
    session.reset();
    expect(stateOf(session, "sharpen")?.["temperature"]).toBe(temperature);
  });

  it("clears the temperature when asked", () => {
    const session = new Session();
    createStarKV({ sharpen: { keepTemperatureOnReset: false } }).compress(session, 0, randomInput(1));
    expect(typeof stateOf(session, "sharpen")?.["temperature"]).toBe("number");
    session.reset();
    expect(stateOf(session, "sharpen")?.["temperature"]).toBeNull();
  });

  it("restarts the MI step", () => {
    const session = new Session();
    const compressor = createStarKV();
    compressor.compress(session, 0, randomInput(1));
    compressor.compress(session, 0, randomInput(2));
    session.reset();
    compressor.compress(session, 0, randomInput(3));
    expect(stateOf(session, "mi")?.["step"]).toBe(1);
  });

  it("restarts the temporal pattern", () => {
    const session = new Session();
    const compressor = createStarKV();
    compressor.compress(session, 0, randomInput(1));
    session.reset();
    compressor.compress(session, 0, randomInput(2));
    expect(stateOf(session, "temporal")?.["step"]).toBe(1);
  });

  it("blends a kept temperature after reset", () => {
    // With smoothing, the first temperature after the reset blends in the kept one.
    const options = { sharpen: { smooth: 0.5, keepTemperatureOnReset: true } };
    const keptSession = new Session();
    const fresh = new Session();
    createStarKV(options).compress(keptSession, 0, randomInput(1));
    keptSession.reset();
    createStarKV(options).compress(keptSession, 0, randomInput(2));
    createStarKV(options).compress(fresh, 0, randomInput(2));
    expect(stateOf(keptSession, "sharpen")?.["temperature"]).not.toBe(stateOf(fresh, "sharpen")?.["temperature"]);
  });
});
