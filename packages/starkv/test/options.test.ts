import {
  createBoostStage,
  createCompressor,
  createMIPriorStage,
  createSharpenStage,
  createStarKV,
  createTemporalStage,
  defaultBins,
  type LayerInput,
  OptionsError,
  referenceDefaults,
  resolveStarKVOptions,
  Session,
  type StarKVOptions,
} from "@starkv/starkv";
import { describe, expect, it } from "vitest";
import { createRandom, randomTensor } from "../../core/test/support/random.js";

/** Two screenshots in a 60-token prompt with 4 query heads over 2 KV heads. */
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

function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** The authors' reproduction settings, written out by hand. */
const reproduction = {
  budget: { percent: 20 },
  window: 8,
  kernel: 5,
  pooling: "avgpool",
  boost: { alpha: 2, temperature: 3.5 },
  mi: { lambda: 0.5, profileSteps: 5, decay: 0.9, tau: 1, rampSteps: 10, grid: "square-guess", bins: { rows: 12, cols: 12, values: 16 }, normalisation: "min-max" },
  temporal: { delta: 0.1, rho: 0.9, eps: 0, discountMin: 0, warmupSteps: 0, countUncompressedCalls: true },
  sharpen: { minScale: 0.75, maxScale: 1.25, smooth: 0, keepTemperatureOnReset: true },
} as const;

describe("createStarKV defaults", () => {
  it("equal the reproduction settings", () => {
    expect(referenceDefaults).toEqual(reproduction);
  });

  it("resolve to the reproduction settings", () => {
    expect(resolveStarKVOptions()).toEqual({ ...reproduction, batchState: "per-row", trace: false });
  });

  it("run every stage in order", () => {
    expect(createStarKV().stages.map((stage) => stage.name)).toEqual(["boost", "mi", "temporal", "sharpen"]);
  });

  it("match hand-built stages over an episode", () => {
    const explicit = createCompressor({
      stages: [
        createBoostStage({ alpha: 2, temperature: 3.5 }),
        createMIPriorStage({ ...reproduction.mi, bins: defaultBins }),
        createTemporalStage(reproduction.temporal),
        createSharpenStage(reproduction.sharpen),
      ],
      budget: { percent: 20 },
      window: 8,
      kernel: 5,
      pooling: "avgpool",
    });
    const defaults = createStarKV();
    const explicitSession = new Session();
    const defaultSession = new Session();
    for (let step = 0; step < 8; step++) {
      const input = randomInput(step);
      const expected = explicit.compress(explicitSession, 0, input);
      const actual = defaults.compress(defaultSession, 0, input);
      expect(Array.from(actual.positions), `step ${step}`).toEqual(Array.from(expected.positions));
      expect(Array.from(actual.scores!), `step ${step}`).toEqual(Array.from(expected.scores!));
    }
    expect(defaultSession.toJSON()).toEqual(explicitSession.toJSON());
  });
});

describe("createStarKV options", () => {
  it("switches an axis off with false", () => {
    expect(createStarKV({ temporal: false, sharpen: false }).stages.map((stage) => stage.name)).toEqual(["boost", "mi"]);
  });

  it("merges an axis over its defaults", () => {
    expect(resolveStarKVOptions({ mi: { lambda: 0.3 } }).mi).toEqual({ ...reproduction.mi, lambda: 0.3 });
  });

  it("rejects a NaN option", () => {
    const error = errorOf(() => createStarKV({ boost: { alpha: NaN } }));
    expect((error as OptionsError).problems).toEqual(["boost.alpha is NaN; expected a number in [0, ∞]"]);
  });

  it("rejects a negative window", () => {
    const error = errorOf(() => createStarKV({ window: -1 }));
    expect((error as OptionsError).problems).toEqual(["window is -1; expected an integer ≥ 1"]);
  });

  it("rejects a negative delta", () => {
    const error = errorOf(() => createStarKV({ temporal: { delta: -0.1 } }));
    expect((error as OptionsError).problems).toEqual(["temporal.delta is -0.1; expected a number in [0, ∞]"]);
  });

  it("rejects λ above 1", () => {
    const error = errorOf(() => createStarKV({ mi: { lambda: 1.5 } }));
    expect((error as OptionsError).problems).toEqual(["mi.lambda is 1.5; expected a number in [0, 1]"]);
  });

  it("rejects decay 1", () => {
    const error = errorOf(() => createStarKV({ mi: { decay: 1 } }));
    expect((error as OptionsError).problems).toEqual(["mi.decay is 1; expected a number in [0, 1)"]);
  });

  it("rejects an unknown option", () => {
    const error = errorOf(() => createStarKV({ windw: 8 } as unknown as StarKVOptions));
    expect((error as OptionsError).problems).toHaveLength(1);
    expect((error as OptionsError).problems[0]).toMatch(/^windw is not an option; known options are budget, window/);
  });

  it("rejects an unknown nested option", () => {
    const error = errorOf(() => createStarKV({ mi: { lamda: 0.5 } } as unknown as StarKVOptions));
    expect((error as OptionsError).problems).toHaveLength(1);
    expect((error as OptionsError).problems[0]).toMatch(/^mi\.lamda is not an option; known options of mi are lambda, profileSteps/);
  });

  it("rejects an axis that is not an object", () => {
    const error = errorOf(() => createStarKV({ mi: 3 } as unknown as StarKVOptions));
    expect((error as OptionsError).problems).toEqual(["mi is 3; expected an options object or false"]);
  });

  it("rejects bad bins", () => {
    const error = errorOf(() => createStarKV({ mi: { bins: { rows: 12, cols: 0, values: 16 } } }));
    expect((error as OptionsError).problems[0]).toContain("mi.bins is");
  });

  it("rejects minScale above maxScale", () => {
    const error = errorOf(() => createStarKV({ sharpen: { minScale: 1.5, maxScale: 1.2 } }));
    expect((error as OptionsError).problems).toEqual(["sharpen.minScale 1.5 is above sharpen.maxScale 1.2; expected minScale ≤ maxScale"]);
  });

  it("lists every problem at once", () => {
    const options = { windw: 8, window: -1, budget: { percent: 0 }, boost: { alpha: NaN }, mi: { lambda: 1.5, lamda: 0.5 }, temporal: { delta: -0.1 } };
    const error = errorOf(() => createStarKV(options));
    expect(error).toBeInstanceOf(OptionsError);
    const problems = (error as OptionsError).problems;
    expect(problems).toHaveLength(7);
    for (const key of ["windw ", "window ", "budget.percent ", "boost.alpha ", "mi.lambda ", "mi.lamda ", "temporal.delta "]) {
      expect(problems.filter((problem) => problem.startsWith(key)), key).toHaveLength(1);
    }
    expect((error as Error).message).toMatch(/^createStarKV\(\): 7 invalid options:/);
  });
});
