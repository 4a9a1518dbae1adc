import {
  BF16_OVERFLOW,
  bf16ToF32,
  decodeBf16,
  decodeF16,
  encodeBf16,
  encodeF16,
  F16_OVERFLOW,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  float32Bits,
  float32FromBits,
} from "@starkv/capture";
import { describe, expect, it } from "vitest";

/** IEEE 754 binary16 value from its fields, written from the standard's definition. */
function referenceHalf(bits: number): number {
  const sign = bits >> 15 === 1 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  if (exponent === 0) return sign * (mantissa / 1024) * 2 ** -14;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 value from its fields: 1 sign, 8 exponent (bias 127) and 7 mantissa bits. */
function referenceBfloat(bits: number): number {
  const sign = bits >> 15 === 1 ? -1 : 1;
  const exponent = (bits >> 7) & 0xff;
  const mantissa = bits & 0x7f;
  if (exponent === 0xff) return mantissa === 0 ? sign * Infinity : NaN;
  if (exponent === 0) return sign * (mantissa / 128) * 2 ** -126;
  return sign * (1 + mantissa / 128) * 2 ** (exponent - 127);
}

function isNaNHalf(bits: number): boolean {
  return (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;
}

function isNaNBfloat(bits: number): boolean {
  return (bits & 0x7f80) === 0x7f80 && (bits & 0x7f) !== 0;
}

/** The float32 right after `value` away from zero. */
function nextUp(value: number): number {
  return float32FromBits(float32Bits(value) + 1);
}

/** The float32 right before `value` towards zero. */
function nextDown(value: number): number {
  return float32FromBits(float32Bits(value) - 1);
}

describe("F16 decoding", () => {
  it("matches the binary16 definition for all 65536 patterns", () => {
    let misses = 0;
    for (let bits = 0; bits < 65536; bits++) {
      const actual = f16ToF32(bits);
      const expected = referenceHalf(bits);
      if (Number.isNaN(expected) ? !Number.isNaN(actual) : !Object.is(actual, expected)) misses++;
    }
    expect(misses).toBe(0);
  });

  it("keeps quiet NaN payloads", () => {
    // A signalling NaN may turn quiet when it passes through a JavaScript number, so only quiet ones are checked.
    for (const bits of [0x7e00, 0xfe55, 0x7fff]) {
      expect((float32Bits(f16ToF32(bits)) >>> 13) & 0x3ff).toBe(bits & 0x3ff);
    }
  });

  it("bulk decoding equals scalar decoding", () => {
    const source = new Uint16Array(65536).map((_, i) => i);
    const target = new Float32Array(65536 + 3);
    decodeF16(source, target, 3);
    let misses = 0;
    for (let bits = 0; bits < 65536; bits++) if (!Object.is(target[bits + 3], f16ToF32(bits)) && !Number.isNaN(target[bits + 3])) misses++;
    expect(misses).toBe(0);
    expect(target[0]).toBe(0);
  });
});

describe("F16 encoding", () => {
  it("round-trips every half value", () => {
    let misses = 0;
    for (let bits = 0; bits < 65536; bits++) {
      const encoded = f32ToF16(f16ToF32(bits));
      if (isNaNHalf(bits) ? !isNaNHalf(encoded) : encoded !== bits) misses++;
    }
    expect(misses).toBe(0);
  });

  it("rounds midpoints to even and neighbours to nearest", () => {
    let misses = 0;
    for (let bits = 0; bits < 0x7bff; bits++) {
      const low = f16ToF32(bits);
      const high = f16ToF32(bits + 1);
      const midpoint = (low + high) / 2;
      const even = bits % 2 === 0 ? bits : bits + 1;
      if (f32ToF16(midpoint) !== even) misses++;
      if (f32ToF16(nextUp(midpoint)) !== bits + 1) misses++;
      if (bits > 0 && f32ToF16(nextDown(midpoint)) !== bits) misses++;
      if (f32ToF16(-midpoint) !== (even | 0x8000)) misses++;
    }
    expect(misses).toBe(0);
  });

  it("handles the subnormal edge", () => {
    const unit = 2 ** -24;
    expect(f32ToF16(unit / 2)).toBe(0);
    expect(f32ToF16(nextUp(unit / 2))).toBe(1);
    expect(f32ToF16(unit * 1.5)).toBe(2);
    expect(f32ToF16(2 ** -30)).toBe(0);
    expect(f32ToF16(-(2 ** -30))).toBe(0x8000);
    expect(f32ToF16(-0)).toBe(0x8000);
  });

  it("overflows at 65520", () => {
    expect(F16_OVERFLOW).toBe(65520);
    expect(f32ToF16(65504)).toBe(0x7bff);
    expect(f32ToF16(nextDown(F16_OVERFLOW))).toBe(0x7bff);
    expect(f32ToF16(F16_OVERFLOW)).toBe(0x7c00);
    expect(f32ToF16(-1e9)).toBe(0xfc00);
    expect(f32ToF16(Infinity)).toBe(0x7c00);
    expect(isNaNHalf(f32ToF16(NaN))).toBe(true);
  });

  it("bulk encoding equals scalar encoding", () => {
    const source = new Float32Array([0, -0, 1, 1 / 3, -2.5e-6, 65000, 1e-8, Math.PI]);
    const target = new Uint16Array(5);
    encodeF16(source, 3, 5, target);
    expect(Array.from(target)).toEqual(Array.from(source.subarray(3), (x) => f32ToF16(x)));
  });
});

describe("BF16", () => {
  it("decodes all 65536 patterns like the definition", () => {
    let misses = 0;
    for (let bits = 0; bits < 65536; bits++) {
      const actual = bf16ToF32(bits);
      const expected = referenceBfloat(bits);
      if (Number.isNaN(expected) ? !Number.isNaN(actual) : !Object.is(actual, expected)) misses++;
    }
    expect(misses).toBe(0);
  });

  it("round-trips every value and rounds midpoints to even", () => {
    let misses = 0;
    for (let bits = 0; bits < 65536; bits++) {
      const encoded = f32ToBf16(bf16ToF32(bits));
      if (isNaNBfloat(bits) ? !isNaNBfloat(encoded) : encoded !== bits) misses++;
      if ((bits & 0x7fff) >= 0x7f7f) continue;
      const midpoint = float32FromBits((bits << 16) + 0x8000);
      const even = bits % 2 === 0 ? bits : bits + 1;
      if (f32ToBf16(midpoint) !== even) misses++;
      if (f32ToBf16(nextUp(midpoint)) !== bits + 1) misses++;
      if (f32ToBf16(nextDown(midpoint)) !== bits) misses++;
    }
    expect(misses).toBe(0);
  });

  it("overflows at the bfloat16 midpoint above its maximum", () => {
    expect(f32ToBf16(nextDown(BF16_OVERFLOW))).toBe(0x7f7f);
    expect(f32ToBf16(BF16_OVERFLOW)).toBe(0x7f80);
    expect(isNaNBfloat(f32ToBf16(NaN))).toBe(true);
  });

  it("bulk paths equal the scalar ones", () => {
    const source = new Float32Array([1, -1.00390625, 3.14159, -0, 1e-40, 3e38]);
    const encoded = new Uint16Array(source.length);
    encodeBf16(source, 0, source.length, encoded);
    expect(Array.from(encoded)).toEqual(Array.from(source, (x) => f32ToBf16(x)));
    const decoded = new Float32Array(source.length);
    decodeBf16(encoded, decoded);
    expect(Array.from(decoded)).toEqual(Array.from(encoded, (bits) => bf16ToF32(bits)));
  });
});
