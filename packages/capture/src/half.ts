/**
 * Exact conversions between float32 and the two 16-bit float formats of safetensors:
 * IEEE 754 binary16 (`F16`: 1 sign, 5 exponent, 10 mantissa bits) and bfloat16
 * (`BF16`: the upper half of a float32). Decoding is exact because every 16-bit value
 * is a float32 value. Encoding rounds to nearest, ties to even, as IEEE 754 and
 * PyTorch's `.half()` / `.bfloat16()` do.
 */

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** Returns the float32 bit pattern of `value` (rounded to float32 first). */
export function float32Bits(value: number): number {
  scratchF32[0] = value;
  return scratchU32[0]!;
}

/** Returns the float32 whose bit pattern is `bits`. */
export function float32FromBits(bits: number): number {
  scratchU32[0] = bits >>> 0;
  return scratchF32[0]!;
}

/** Float32 bit pattern of the binary16 value `half`; NaN payload bits are kept. */
function f16BitsToF32Bits(half: number): number {
  const sign = (half & 0x8000) << 16;
  const exponent = (half >>> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0;
  // A subnormal half is mantissa · 2^-24; shift its leading one into the implicit bit.
  let shift = 0;
  let normalised = mantissa;
  while ((normalised & 0x400) === 0) {
    normalised <<= 1;
    shift++;
  }
  return (sign | ((113 - shift) << 23) | ((normalised & 0x3ff) << 13)) >>> 0;
}

let f16Table: Float32Array | undefined;

/** Returns the float32 value of every binary16 bit pattern, a table built on first use (256 KiB). */
function f16DecodeTable(): Float32Array {
  if (f16Table === undefined) {
    const bits = new Uint32Array(65536);
    for (let half = 0; half < 65536; half++) bits[half] = f16BitsToF32Bits(half);
    f16Table = new Float32Array(bits.buffer);
  }
  return f16Table;
}

/** Returns the value of the binary16 bit pattern `half` (0 to 65535). */
export function f16ToF32(half: number): number {
  return f16DecodeTable()[half & 0xffff]!;
}

/** Returns the value of the bfloat16 bit pattern `half` (0 to 65535). */
export function bf16ToF32(half: number): number {
  return float32FromBits((half & 0xffff) << 16);
}

/** Float32 inputs at or above this magnitude round to infinity in binary16 (65520). */
export const F16_OVERFLOW = float32FromBits(0x477ff000);

/** Float32 inputs at or above this magnitude round to infinity in bfloat16. */
export const BF16_OVERFLOW = float32FromBits(0x7f7f8000);

/** Rounds the float32 bit pattern `bits` to binary16, ties to even. */
function f32BitsToF16(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const magnitude = bits & 0x7fffffff;
  if (magnitude >= 0x7f800000) {
    if (magnitude === 0x7f800000) return sign | 0x7c00;
    // NaN: keep the top payload bits and set the quiet bit so the result stays NaN.
    return sign | 0x7e00 | ((magnitude >>> 13) & 0x3ff);
  }
  if (magnitude >= 0x477ff000) return sign | 0x7c00;
  if (magnitude >= 0x38800000) {
    // Normal in binary16: rebias the exponent (127 → 15) and round away 13 mantissa bits.
    let half = (magnitude >>> 13) - (112 << 10);
    const rest = magnitude & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
    return sign | half;
  }
  // Subnormal or zero in binary16: the result counts units of 2^-24.
  const exponent = magnitude >>> 23;
  if (exponent < 102) return sign;
  const mantissa = (magnitude & 0x7fffff) | 0x800000;
  const shift = 126 - exponent;
  let half = mantissa >>> shift;
  const rest = mantissa & ((1 << shift) - 1);
  const midpoint = 1 << (shift - 1);
  if (rest > midpoint || (rest === midpoint && (half & 1) === 1)) half++;
  return sign | half;
}

/** Rounds the float32 bit pattern `bits` to bfloat16, ties to even. */
function f32BitsToBf16(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x40) & 0xffff;
  const lowestKept = (bits >>> 16) & 1;
  return ((bits + 0x7fff + lowestKept) >>> 16) & 0xffff;
}

/** Returns the binary16 bit pattern nearest to `value` (ties to even; ±Infinity beyond ±65504). */
export function f32ToF16(value: number): number {
  return f32BitsToF16(float32Bits(value));
}

/** Returns the bfloat16 bit pattern nearest to `value` (ties to even). */
export function f32ToBf16(value: number): number {
  return f32BitsToBf16(float32Bits(value));
}

/** Decodes binary16 bit patterns `source` into `target` starting at `offset`. */
export function decodeF16(source: Uint16Array, target: Float32Array, offset = 0): void {
  const table = f16DecodeTable();
  for (let i = 0; i < source.length; i++) target[offset + i] = table[source[i]!]!;
}

/** Decodes bfloat16 bit patterns `source` into `target` starting at `offset`. */
export function decodeBf16(source: Uint16Array, target: Float32Array, offset = 0): void {
  const targetBits = new Uint32Array(target.buffer, target.byteOffset, target.length);
  for (let i = 0; i < source.length; i++) targetBits[offset + i] = source[i]! << 16;
}

/** Encodes `count` values of `source` from `start` as binary16 into `target`. */
export function encodeF16(source: Float32Array, start: number, count: number, target: Uint16Array): void {
  const bits = new Uint32Array(source.buffer, source.byteOffset, source.length);
  for (let i = 0; i < count; i++) target[i] = f32BitsToF16(bits[start + i]!);
}

/** Encodes `count` values of `source` from `start` as bfloat16 into `target`. */
export function encodeBf16(source: Float32Array, start: number, count: number, target: Uint16Array): void {
  const bits = new Uint32Array(source.buffer, source.byteOffset, source.length);
  for (let i = 0; i < count; i++) target[i] = f32BitsToBf16(bits[start + i]!);
}
