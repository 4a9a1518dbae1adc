import { formatShape, sizeOf, tensor, unravelIndex } from "@starkv/core";
import { describe, expect, it } from "vitest";

describe("tensor", () => {
  it("wraps a Float32Array without copying", () => {
    const data = new Float32Array(6);
    const result = tensor(data, [2, 3]);
    expect(result.data).toBe(data);
    expect(result.shape).toEqual([2, 3]);
  });

  it("rounds number arrays to float32", () => {
    const result = tensor([0.1, 2], [2]);
    expect(result.data).toBeInstanceOf(Float32Array);
    expect(result.data[0]).toBe(Math.fround(0.1));
    expect(result.data[1]).toBe(2);
  });

  it("copies the shape array", () => {
    const shape = [2, 2];
    const result = tensor([1, 2, 3, 4], shape);
    shape[0] = 4;
    expect(result.shape).toEqual([2, 2]);
  });

  it("freezes the tensor and its shape", () => {
    const result = tensor([1, 2], [2]);
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.shape)).toBe(true);
  });

  it("accepts a scalar shape", () => {
    const result = tensor([5], []);
    expect(result.shape).toEqual([]);
    expect(result.data.length).toBe(1);
  });

  it("accepts a zero-length axis", () => {
    expect(tensor([], [3, 0]).data.length).toBe(0);
  });

  it("rejects too few values", () => {
    expect(() => tensor([1, 2, 3], [2, 2], "keys")).toThrow(RangeError);
    expect(() => tensor([1, 2, 3], [2, 2], "keys")).toThrow("tensor(): keys has 3 values but shape [2, 2] needs 4");
  });

  it("rejects too many values", () => {
    expect(() => tensor(new Float32Array(7), [2, 3])).toThrow("tensor has 7 values but shape [2, 3] needs 6");
  });

  it("rejects a negative axis", () => {
    expect(() => tensor([], [3, -2], "values")).toThrow(RangeError);
    expect(() => tensor([], [3, -2], "values")).toThrow("values has shape [3, -2], whose axis 1 is -2");
  });

  it("rejects a fractional axis", () => {
    expect(() => tensor([1, 2], [1.5])).toThrow("whose axis 0 is 1.5");
  });
});

describe("sizeOf", () => {
  it("multiplies the axis lengths", () => {
    expect(sizeOf([2, 3, 4])).toBe(24);
  });

  it("returns 1 for a scalar shape", () => {
    expect(sizeOf([])).toBe(1);
  });

  it("returns 0 with an empty axis", () => {
    expect(sizeOf([3, 0, 2])).toBe(0);
  });
});

describe("formatShape", () => {
  it("prints bracketed axes", () => {
    expect(formatShape([4, 512, 128])).toBe("[4, 512, 128]");
  });

  it("cuts a long shape short, as when data is passed in its place", () => {
    const shape = Array.from({ length: 1000 }, (_, i) => i + 0.5);
    expect(formatShape(shape)).toBe("[0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, … 1000 entries in all]");
    expect(() => tensor(new Float32Array(4), shape)).toThrow(/whose axis 0 is 0.5/);
  });
});

describe("unravelIndex", () => {
  it("returns the row-major multi-index", () => {
    // Flat index (1 · 20 + 3) · 4 + 2 = 94 in a [2, 20, 4] tensor.
    expect(unravelIndex(94, [2, 20, 4])).toEqual([1, 3, 2]);
  });

  it("returns zeros for index 0", () => {
    expect(unravelIndex(0, [3, 5])).toEqual([0, 0]);
  });
});
