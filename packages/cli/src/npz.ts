import { readFileSync, statSync } from "node:fs";
import { inflateRawSync } from "node:zlib";

/** An array read from a `.npy` file. */
export interface NpyArray {
  readonly shape: readonly number[];
  /** NumPy dtype string, for example `<f2`, `<f4`, `<U25`. */
  readonly dtype: string;
  /** Numeric data as float32, for `<f2`, `<f4`, `<f8`; null for strings. */
  readonly data: Float32Array | null;
  /** String data for `<U…`, null otherwise. */
  readonly strings: string[] | null;
}

function fail(file: string, message: string): Error {
  return new Error(`${file}: ${message}`);
}

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * Parses a `.npy` file (format 1.0–3.0, C order, little-endian `f2`/`f4`/`f8` or
 * fixed-width unicode `U`).
 *
 * @throws Error naming the file and what is not supported
 */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) throw fail(file, "not a .npy array (no \\x93NUMPY magic)");
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw fail(file, `cannot parse the .npy header ${JSON.stringify(header)}`);
  if (fortran === "True") throw fail(file, "Fortran-order arrays are not supported; save with numpy.ascontiguousarray");
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLength;
  const body = bytes.subarray(offset);
  const width = { "<f2": 2, "<f4": 4, "<f8": 8 }[descr];
  if (width !== undefined) {
    if (body.length < count * width) throw fail(file, `holds ${body.length} data bytes but shape [${shape.join(", ")}] of ${descr} needs ${count * width}`);
    const data = new Float32Array(count);
    const dataView = new DataView(body.buffer, body.byteOffset, count * width);
    for (let i = 0; i < count; i++) {
      data[i] = width === 2 ? halfToFloat(dataView.getUint16(2 * i, true)) : width === 4 ? dataView.getFloat32(4 * i, true) : dataView.getFloat64(8 * i, true);
    }
    return { shape, dtype: descr, data, strings: null };
  }
  const unicode = /^<U(\d+)$/.exec(descr);
  if (unicode !== null) {
    const chars = Number(unicode[1]);
    if (body.length < count * chars * 4) throw fail(file, "is truncated");
    const strings: string[] = [];
    const dataView = new DataView(body.buffer, body.byteOffset, count * chars * 4);
    for (let i = 0; i < count; i++) {
      let text = "";
      for (let c = 0; c < chars; c++) {
        const code = dataView.getUint32((i * chars + c) * 4, true);
        if (code === 0) break;
        text += String.fromCodePoint(code);
      }
      strings.push(text);
    }
    return { shape, dtype: descr, data: null, strings };
  }
  throw fail(file, `dtype ${descr} is not supported; expected <f2, <f4, <f8 or <U`);
}

/**
 * Reads the arrays of a `.npz` archive (a zip of `.npy` files, stored or deflated).
 *
 * @throws Error naming the file when it is not a readable zip of `.npy` arrays
 */
export function readNpz(file: string): Map<string, NpyArray> {
  if (statSync(file).isDirectory()) throw fail(file, "is a folder; pass an .npz file");
  const bytes = readFileSync(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw fail(file, "not a .npz (zip) archive: no end-of-central-directory record");
  const entries = view.getUint16(end + 10, true);
  let pointer = view.getUint32(end + 16, true);
  const arrays = new Map<string, NpyArray>();
  for (let e = 0; e < entries; e++) {
    if (pointer + 46 > bytes.length || view.getUint32(pointer, true) !== 0x02014b50) throw fail(file, "corrupt zip central directory");
    const method = view.getUint16(pointer + 10, true);
    let compressedSize = view.getUint32(pointer + 20, true);
    const nameLength = view.getUint16(pointer + 28, true);
    const extraLength = view.getUint16(pointer + 30, true);
    const commentLength = view.getUint16(pointer + 32, true);
    let localOffset = view.getUint32(pointer + 42, true);
    const name = bytes.subarray(pointer + 46, pointer + 46 + nameLength).toString();
    // ZIP64 entries keep the real sizes in an extra field.
    let extra = pointer + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = view.getUint16(extra, true);
      const size = view.getUint16(extra + 2, true);
      if (id === 0x0001) {
        let field = extra + 4;
        if (view.getUint32(pointer + 24, true) === 0xffffffff) field += 8;
        if (compressedSize === 0xffffffff) {
          compressedSize = Number(view.getBigUint64(field, true));
          field += 8;
        }
        if (localOffset === 0xffffffff) localOffset = Number(view.getBigUint64(field, true));
      }
      extra += 4 + size;
    }
    pointer = extraEnd + commentLength;
    if (localOffset + 30 > bytes.length || view.getUint32(localOffset, true) !== 0x04034b50) throw fail(file, `corrupt local header of ${name}`);
    const dataStart = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    const raw = bytes.subarray(dataStart, dataStart + compressedSize);
    if (raw.length !== compressedSize) throw fail(file, `entry ${name} is truncated`);
    let content: Uint8Array;
    if (method === 0) content = raw;
    else if (method === 8) content = inflateRawSync(raw);
    else throw fail(file, `entry ${name} uses zip method ${method}; only stored (0) and deflate (8) are supported`);
    arrays.set(name.replace(/\.npy$/, ""), parseNpy(content, `${file}:${name}`));
  }
  return arrays;
}

/** Reads a single `.npy` file. */
export function readNpy(file: string): NpyArray {
  if (statSync(file).isDirectory()) throw fail(file, "is a folder; pass an .npy file");
  return parseNpy(readFileSync(file), file);
}
