import fc from "fast-check";
import { createStarKV, Session, tensor } from "@starkv/starkv";
import { describe, expect, it } from "vitest";

describe("sharpening before the global Top-K", () => {
  // Quirk Q1 of the reference: the entropy sharpening is a strictly increasing map of
  // non-negative scores, applied before one Top-K, so it never changes the kept set.
  it("keeps the same positions as no sharpening", () => {
    fc.assert(
      fc.property(fc.integer({ min: 40, max: 120 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 10, max: 60 }), (seqLen, seed, percent) => {
        let state = seed;
        const next = (): number => {
          state = (Math.imul(state, 1103515245) + 12345) >>> 0;
          return state / 2 ** 32 - 0.5;
        };
        const input = {
          queries: tensor(Float32Array.from({ length: 4 * 8 * 8 }, next), [4, 8, 8]),
          keys: tensor(Float32Array.from({ length: 2 * seqLen * 8 }, next), [2, seqLen, 8]),
          values: tensor(Float32Array.from({ length: 2 * seqLen * 8 }, next), [2, seqLen, 8]),
          hidden: tensor(Float32Array.from({ length: seqLen }, () => 1 + next()), [seqLen]),
          spans: [{ start: 2, end: Math.floor(seqLen / 2) }, { start: Math.floor(seqLen / 2) + 1, end: seqLen - 9 }],
        };
        const sharpened = createStarKV({ budget: { percent }, mi: { profileSteps: 1, rampSteps: 1 } });
        const plain = createStarKV({ budget: { percent }, mi: { profileSteps: 1, rampSteps: 1 }, sharpen: false });
        const a = new Session();
        const b = new Session();
        for (let call = 0; call < 3; call++) {
          expect(Array.from(sharpened.compress(a, 0, input).positions)).toEqual(Array.from(plain.compress(b, 0, input).positions));
        }
      }),
      { numRuns: 40 },
    );
  });
});
