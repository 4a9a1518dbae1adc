import { pool1d, pooledLength } from "@starkv/core";
import { describe, expect, it } from "vitest";

const toFloat32 = (values: number[]): number[] => values.map((value) => Math.fround(value));

describe("pool1d", () => {
  it("averages with zero padding counted", () => {
    const out = pool1d(Float32Array.from([1, 2, 3, 4, 5, 6]), 1, 6, 5, "avgpool");
    expect(Array.from(out)).toEqual(toFloat32([1.2, 2, 3, 4, 3.6, 3]));
  });

  it("pools each row separately", () => {
    const out = pool1d(Float32Array.from([1, 2, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1]), 2, 6, 5, "avgpool");
    expect(Array.from(out.subarray(0, 6))).toEqual(toFloat32([1.2, 2, 3, 4, 3.6, 3]));
    expect(Array.from(out.subarray(6))).toEqual(toFloat32([3, 3.6, 4, 3, 2, 1.2]));
  });

  it("never lets padding win a max", () => {
    // Zero padding would give 0 at both borders.
    const out = pool1d(Float32Array.from([-3, -1, -2, -5]), 1, 4, 3, "maxpool");
    expect(Array.from(out)).toEqual([-1, -1, -1, -2]);
  });

  it("takes the window maximum", () => {
    const out = pool1d(Float32Array.from([0, 9, 0, 0, 0, 0, 7]), 1, 7, 3, "maxpool");
    expect(Array.from(out)).toEqual([9, 9, 9, 0, 0, 7, 7]);
  });

  it("is the identity with kernel 1", () => {
    const values = Float32Array.from([0.25, -1, 3.5, 8]);
    expect(Array.from(pool1d(values, 1, 4, 1, "avgpool"))).toEqual(Array.from(values));
    expect(Array.from(pool1d(values, 1, 4, 1, "maxpool"))).toEqual(Array.from(values));
  });

  it("returns one extra value for kernel 2", () => {
    // Value p covers inputs p − 1 and p.
    const out = pool1d(Float32Array.from([1, 2, 3]), 1, 3, 2, "avgpool");
    expect(Array.from(out)).toEqual([0.5, 1.5, 2.5, 1.5]);
  });

  it("returns one extra value for kernel 4", () => {
    expect(pool1d(new Float32Array(6), 1, 6, 4, "maxpool")).toHaveLength(7);
  });

  it("does not modify its input", () => {
    const values = Float32Array.from([1, 2, 3, 4, 5, 6]);
    pool1d(values, 1, 6, 5, "avgpool");
    expect(Array.from(values)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("pooledLength", () => {
  it.each([
    { length: 10, kernel: 1, expected: 10 },
    { length: 10, kernel: 5, expected: 10 },
    { length: 10, kernel: 7, expected: 10 },
    { length: 10, kernel: 2, expected: 11 },
    { length: 10, kernel: 6, expected: 11 },
  ])("gives $expected for length $length kernel $kernel", ({ length, kernel, expected }) => {
    expect(pooledLength(length, kernel)).toBe(expected);
  });
});
