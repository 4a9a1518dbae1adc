import { hiddenNorms, type Tensor, tensor } from "@starkv/core";
import { createFastCpuBackend } from "@starkv/backend-cpu";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";

/** Returns a tensor `[count, width]` of seeded values uniform in [−scale, scale). */
function randomRows(seed: number, count: number, width: number, scale: number): Tensor {
  let state = seed >>> 0;
  const data = new Float32Array(count * width);
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = ((state / 2 ** 32) * 2 - 1) * scale;
  }
  return tensor(data, [count, width]);
}

describe("fast-cpu rowNorms", () => {
  const single = createFastCpuBackend({ threads: 1 });
  const threaded = createFastCpuBackend({ threads: 3 });
  afterAll(() => {
    single.dispose();
    threaded.dispose();
  });

  it("equals hiddenNorms bit for bit", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 70 }),
        fc.nat(),
        fc.nat(),
        fc.constantFrom(1e-20, 1, 3e38),
        fc.nat(),
        (count, width, a, b, scale, seed) => {
          const rows = randomRows(seed, count, width, scale);
          const start = a % (count + 1);
          const end = start + (b % (count - start + 1));
          const expected = Array.from(hiddenNorms(rows, start, end));
          expect(Array.from(single.rowNorms(rows, start, end))).toEqual(expected);
          expect(Array.from(threaded.rowNorms(rows, start, end))).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("spans several staging blocks", () => {
    // 3584 floats per row: 36 rows fill one 512 KiB block, so 700 rows take 20.
    const rows = randomRows(7, 720, 3584, 2);
    const expected = Array.from(hiddenNorms(rows, 9, 709));
    expect(Array.from(threaded.rowNorms(rows, 9, 709))).toEqual(expected);
    expect(Array.from(single.rowNorms(rows, 9, 709))).toEqual(expected);
  });

  it("returns NaN for a row with NaN", () => {
    const rows = randomRows(3, 10, 13, 1);
    const data = rows.data.slice();
    data[4 * 13 + 12] = NaN;
    data[6 * 13 + 1] = -Infinity;
    const norms = threaded.rowNorms(tensor(data, [10, 13]), 0, 10);
    expect(norms[4]).toBeNaN();
    expect(norms[6]).toBe(Infinity);
    expect(Number.isFinite(norms[5])).toBe(true);
  });

  it("returns nothing for an empty range", () => {
    expect(threaded.rowNorms(randomRows(1, 4, 8, 1), 2, 2)).toHaveLength(0);
  });

  it("rejects an invalid range", () => {
    const rows = randomRows(1, 4, 8, 1);
    expect(() => threaded.rowNorms(rows, 3, 5)).toThrow("fast-cpu rowNorms(): the range [3, 5) is invalid; expected integers with 0 ≤ start ≤ end ≤ 4");
    expect(() => threaded.rowNorms(rows, 2, 1)).toThrow(RangeError);
  });

  it("rejects rows that are not a matrix", () => {
    expect(() => threaded.rowNorms(tensor(new Float32Array(8), [8]), 0, 8)).toThrow("fast-cpu rowNorms(): rows have shape [8]; expected [count, width]");
  });
});
