import { createCompressor, firstNonFinite, Session, tensor } from "@starkv/core";
import { createFastCpuBackend } from "@starkv/backend-cpu";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";

describe("fast-cpu firstNonFinite", () => {
  const backend = createFastCpuBackend({ threads: 2 });
  afterAll(() => backend.dispose());

  it("finds the first NaN or infinity", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300_000 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        fc.constantFrom(NaN, Infinity, -Infinity),
        (length, positions, bad) => {
          const data = Float32Array.from({ length }, (_, i) => Math.sin(i) * 3e38);
          for (const position of positions) data[position % length] = bad;
          const expected = positions.length === 0 ? -1 : Math.min(...positions.map((position) => position % length));
          expect(backend.firstNonFinite(data)).toBe(expected);
          expect(firstNonFinite(data)).toBe(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("finds a value in the tail of a block", () => {
    // 2^17 values fill one block; 2^17 + 3 leaves three scalar values in the second.
    const data = new Float32Array(2 ** 17 + 3).fill(1);
    data[2 ** 17 + 2] = NaN;
    expect(backend.firstNonFinite(data)).toBe(2 ** 17 + 2);
  });

  it("returns -1 for no values", () => {
    expect(backend.firstNonFinite(new Float32Array(0))).toBe(-1);
  });

  it("names a NaN key through compress", () => {
    const keys = new Float32Array(2 * 40 * 4).fill(0.5);
    keys[(1 * 40 + 3) * 4 + 2] = NaN;
    const input = {
      queries: tensor(new Float32Array(4 * 8 * 4).fill(0.1), [4, 8, 4]),
      keys: tensor(keys, [2, 40, 4]),
      values: tensor(new Float32Array(2 * 40 * 4), [2, 40, 4]),
    };
    const compressor = createCompressor({ stages: [], budget: { tokens: 16 }, backend });
    expect(() => compressor.compress(new Session(), 0, input)).toThrow("compress(): keys holds NaN at index [1, 3, 2] (shape [2, 40, 4])");
  });
});
