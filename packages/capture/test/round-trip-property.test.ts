import { rmSync } from "node:fs";
import { join } from "node:path";
import { type FloatDtype, readSafetensors, writeSafetensors } from "@starkv/capture";
import { type Tensor, tensor } from "@starkv/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { temporaryFolder } from "./sample-capture.js";

/**
 * Largest rounding error of a value stored in `dtype`: half a unit in the last place of
 * the format at `|x|` (10 mantissa bits for F16, 7 for BF16), and half the smallest
 * subnormal below the normal range.
 */
function allowedError(x: number, dtype: FloatDtype): number {
  if (dtype === "F32") return 0;
  const mantissaBits = dtype === "F16" ? 10 : 7;
  const minExponent = dtype === "F16" ? -14 : -126;
  const exponent = Math.max(Math.floor(Math.log2(Math.abs(x) || 2 ** minExponent)), minExponent);
  return 2 ** (exponent - mantissaBits) / 2;
}

const shapeArbitrary = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 3 });
const valueArbitrary = fc.oneof(
  fc.float({ min: -60000, max: 60000, noNaN: true, noDefaultInfinity: true }),
  fc.float({ min: Math.fround(-1e-3), max: Math.fround(1e-3), noNaN: true }),
);
const tensorArbitrary = shapeArbitrary.chain((shape) =>
  fc.array(valueArbitrary, { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }).map((values) => tensor(values, shape)),
);
const fileArbitrary = fc.record({
  tensors: fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }).filter((name) => name !== "__metadata__"), tensorArbitrary), { minLength: 1, maxLength: 4, selector: ([name]) => name }),
  dtypes: fc.array(fc.constantFrom<FloatDtype>("F32", "F16", "BF16"), { minLength: 4, maxLength: 4 }),
});

describe("safetensors write and read", () => {
  let folder: string;
  beforeAll(() => {
    folder = temporaryFolder();
  });
  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it("round-trips random shapes exactly in F32 and to half precision otherwise", () => {
    let round = 0;
    fc.assert(
      fc.property(fileArbitrary, ({ tensors, dtypes }) => {
        const path = join(folder, `p${round++}.safetensors`);
        const dtypeOf = new Map(tensors.map(([name], i) => [name, dtypes[i]!]));
        writeSafetensors(path, new Map<string, Tensor>(tensors), { dtype: (name) => dtypeOf.get(name)! });
        const read = readSafetensors(path);
        rmSync(path);

        expect([...read.keys()]).toEqual(tensors.map(([name]) => name));
        for (const [name, written] of tensors) {
          const actual = read.get(name)!;
          const dtype = dtypeOf.get(name)!;
          expect(actual.shape).toEqual(written.shape);
          for (let i = 0; i < written.data.length; i++) {
            const expected = written.data[i]!;
            const error = Math.abs(actual.data[i]! - expected);
            if (error > allowedError(expected, dtype)) {
              throw new Error(`${name}[${i}] in ${dtype}: wrote ${expected}, read ${actual.data[i]}, error ${error} above ${allowedError(expected, dtype)}`);
            }
          }
        }
      }),
      { seed: 4242, numRuns: 200 },
    );
  });
});
