import { formatShape } from "@starkv/core";
import { CaptureError } from "./errors.js";

/** Element types of the safetensors format with a whole number of bytes per element. */
export type SafetensorsDtype =
  | "BOOL"
  | "U8"
  | "I8"
  | "F8_E5M2"
  | "F8_E4M3"
  | "I16"
  | "U16"
  | "F16"
  | "BF16"
  | "I32"
  | "U32"
  | "F32"
  | "F64"
  | "I64"
  | "U64";

/** The element types this package decodes into and encodes from `Float32Array`. */
export type FloatDtype = "F32" | "F16" | "BF16";

/** Bytes per element of every dtype the header parser accepts. */
export const dtypeBytes: Readonly<Record<SafetensorsDtype, number>> = Object.freeze({
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
});

/** Returns true for the dtypes that decode to float32 (`F32`, `F16`, `BF16`). */
export function isFloatDtype(dtype: string): dtype is FloatDtype {
  return dtype === "F32" || dtype === "F16" || dtype === "BF16";
}

/**
 * The largest header the parser accepts, in bytes. The reference Rust implementation
 * of safetensors rejects larger headers with the same limit, so a corrupted length
 * field cannot make a reader allocate gigabytes.
 */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor of a safetensors file. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  /** Axis lengths, outermost first; `[]` is a scalar. */
  readonly shape: readonly number[];
  /** Byte range `[begin, end)` relative to the first byte after the header. */
  readonly begin: number;
  readonly end: number;
}

/** The validated header of a safetensors file. */
export interface SafetensorsHeader {
  /** Length of the JSON header in bytes (the value of the leading u64). */
  readonly headerLength: number;
  /** File offset of the first data byte: `8 + headerLength`. */
  readonly dataStart: number;
  /** Bytes of tensor data after the header; the tensors cover them exactly. */
  readonly dataLength: number;
  /** Every tensor by name, in file order. */
  readonly tensors: ReadonlyMap<string, SafetensorsEntry>;
  /** The optional `__metadata__` string map (empty when absent). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** At most this many problems are listed in one error; the rest are counted. */
const maxListedProblems = 20;

/**
 * Reads the header length from the first 8 bytes of a safetensors file and checks it
 * against the file size and `MAX_HEADER_BYTES`.
 *
 * @param prefix the first 8 bytes of the file
 * @param fileLength size of the whole file in bytes
 * @param file path used in error messages
 * @throws CaptureError when the file is shorter than 8 bytes or the length is out of range
 */
export function parseHeaderLength(prefix: Uint8Array, fileLength: number, file: string): number {
  if (fileLength < 8 || prefix.length < 8) {
    throw new CaptureError(file, `the file has ${fileLength} bytes, fewer than the 8-byte header length of a safetensors file; the file is truncated or not safetensors`);
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const length = view.getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new CaptureError(file, `the header length field is ${length} bytes, above the limit of ${MAX_HEADER_BYTES}; the file is corrupted or not safetensors`);
  }
  if (length < 2n) {
    throw new CaptureError(file, `the header length field is ${length} bytes, too short for a JSON header (at least 2 bytes, "{}"); the file is not safetensors or is corrupted`);
  }
  if (length > BigInt(fileLength - 8)) {
    throw new CaptureError(file, `the header length field is ${length} bytes but the file has only ${fileLength - 8} bytes after it; the file is truncated or corrupted`);
  }
  return Number(length);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isOffset(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Parses and validates the JSON header of a safetensors file.
 *
 * The header must be UTF-8 JSON of an object. Every tensor needs a known dtype, a shape
 * of non-negative integers and `data_offsets` `[begin, end]` whose span equals the
 * element count times the dtype size. Sorted by offset, the tensors must cover the data
 * bytes `[0, dataLength)` exactly, without gaps, overlaps or trailing bytes, as the
 * safetensors format requires.
 *
 * @param headerBytes the `headerLength` bytes after the length field
 * @param fileLength size of the whole file in bytes
 * @param file path used in error messages
 * @throws CaptureError listing every problem found
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, fileLength: number, file: string): SafetensorsHeader {
  const headerLength = headerBytes.length;
  const dataStart = 8 + headerLength;
  const dataLength = fileLength - dataStart;
  if (dataLength < 0) {
    throw new CaptureError(file, `the header ends at byte ${dataStart} but the file has only ${fileLength} bytes; the file is truncated`);
  }

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch (error) {
    throw new CaptureError(file, "the safetensors header is not valid UTF-8; the file is corrupted", undefined, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CaptureError(file, `the safetensors header is not valid JSON (${reason}); the file is corrupted or not safetensors`, undefined, { cause: error });
  }
  if (!isRecord(json)) {
    throw new CaptureError(file, "the safetensors header must be a JSON object mapping tensor names to {dtype, shape, data_offsets}");
  }

  const problems: string[] = [];
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === "__metadata__") {
      if (!isRecord(value)) {
        problems.push("__metadata__ must be an object of strings");
        continue;
      }
      for (const [key, item] of Object.entries(value)) {
        if (typeof item === "string") metadata[key] = item;
        else problems.push(`__metadata__.${key} is ${JSON.stringify(item)}; metadata values must be strings`);
      }
      continue;
    }
    const entry = parseEntry(name, value, problems);
    if (entry !== undefined) entries.push(entry);
  }

  if (problems.length === 0) checkCoverage(entries, dataLength, problems);
  if (problems.length > 0) {
    const listed = problems.slice(0, maxListedProblems);
    if (problems.length > maxListedProblems) listed.push(`and ${problems.length - maxListedProblems} more`);
    throw new CaptureError(file, listed);
  }

  const tensors = new Map<string, SafetensorsEntry>();
  for (const entry of [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)) tensors.set(entry.name, entry);
  return Object.freeze({ headerLength, dataStart, dataLength, tensors, metadata: Object.freeze(metadata) });
}

function parseEntry(name: string, value: unknown, problems: string[]): SafetensorsEntry | undefined {
  if (!isRecord(value)) {
    problems.push(`tensor "${name}" must be an object {dtype, shape, data_offsets}, not ${JSON.stringify(value)}`);
    return undefined;
  }
  const { dtype, shape, data_offsets: offsets } = value;
  const before = problems.length;
  if (typeof dtype !== "string" || !Object.hasOwn(dtypeBytes, dtype)) {
    problems.push(`tensor "${name}" has dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(dtypeBytes).join(", ")}`);
  }
  if (!Array.isArray(shape) || !shape.every(isOffset)) {
    problems.push(`tensor "${name}" has shape ${JSON.stringify(shape)}; expected an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isOffset) || offsets[0]! > offsets[1]!) {
    problems.push(`tensor "${name}" has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with 0 ≤ begin ≤ end`);
  }
  if (problems.length > before) return undefined;

  const typedShape = shape as number[];
  const [begin, end] = offsets as [number, number];
  const typedDtype = dtype as SafetensorsDtype;
  let elements = 1;
  for (const length of typedShape) elements *= length;
  const bytes = elements * dtypeBytes[typedDtype];
  if (!Number.isSafeInteger(bytes) || bytes !== end - begin) {
    problems.push(`tensor "${name}" (${typedDtype} ${formatShape(typedShape)}) needs ${bytes} bytes but its data_offsets [${begin}, ${end}] span ${end - begin}`);
    return undefined;
  }
  return Object.freeze({ name, dtype: typedDtype, shape: Object.freeze([...typedShape]), begin, end });
}

function checkCoverage(entries: readonly SafetensorsEntry[], dataLength: number, problems: string[]): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const entry of sorted) {
    if (entry.begin < covered) {
      problems.push(`tensor "${entry.name}" starts at data byte ${entry.begin}, inside the previous tensor that ends at ${covered}; tensors must not overlap`);
    } else if (entry.begin > covered) {
      problems.push(`data bytes [${covered}, ${entry.begin}) before tensor "${entry.name}" belong to no tensor; the format allows no gaps`);
    }
    covered = Math.max(covered, entry.end);
  }
  if (covered > dataLength) {
    problems.push(`the tensors need ${covered} data bytes but the file has ${dataLength} after the header; the file is truncated`);
  } else if (covered < dataLength) {
    problems.push(`the file has ${dataLength} data bytes after the header but the tensors cover only ${covered}; the file has trailing bytes or a wrong header length`);
  }
}
