import { formatShape, sizeOf, type Tensor, unravelIndex } from "@starkv/core";
import { CaptureError } from "./errors.js";
import { assertLittleEndianHost, writeExactly, writeFilesAtomically } from "./file-io.js";
import { BF16_OVERFLOW, encodeBf16, encodeF16, F16_OVERFLOW } from "./half.js";
import { dtypeBytes, type FloatDtype, isFloatDtype } from "./safetensors-header.js";

/** Half-precision tensors are encoded through a reusable scratch buffer of this many elements (2 MiB). */
const halfChunkElements = 1 << 20;

/** The name, dtype and shape of one tensor to lay out in a safetensors header. */
export interface HeaderTensor {
  readonly name: string;
  readonly dtype: FloatDtype;
  readonly shape: readonly number[];
}

/** Options of `writeSafetensors`. */
export interface WriteSafetensorsOptions {
  /** Stored element type, for all tensors or per name; `"F32"` by default. */
  readonly dtype?: FloatDtype | ((name: string) => FloatDtype);
  /** String pairs stored under `__metadata__`. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Encodes the 8-byte length field and the JSON header for `tensors`, laid out
 * contiguously in the given order. The header is padded with spaces so that the data
 * starts at a multiple of 8 bytes, as the reference writer does.
 *
 * @returns the bytes that precede the tensor data in the file
 */
export function encodeSafetensorsHeader(tensors: readonly HeaderTensor[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const { name, dtype, shape } of tensors) {
    const end = offset + sizeOf(shape) * dtypeBytes[dtype];
    header[name] = { dtype, shape: [...shape], data_offsets: [offset, end] };
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  const bytes = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(padded), true);
  bytes.set(json, 8);
  return bytes;
}

/** Appends the values of `data` to `fd` in `dtype`, through a bounded scratch buffer for half types. */
export function writeTensorData(fd: number, data: Float32Array, dtype: FloatDtype): void {
  if (dtype === "F32") {
    writeExactly(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return;
  }
  const scratch = new Uint16Array(Math.min(data.length, halfChunkElements));
  const scratchBytes = new Uint8Array(scratch.buffer);
  const encode = dtype === "F16" ? encodeF16 : encodeBf16;
  for (let start = 0; start < data.length; start += scratch.length) {
    const count = Math.min(scratch.length, data.length - start);
    encode(data, start, count, scratch);
    writeExactly(fd, scratchBytes.subarray(0, count * 2));
  }
}

/**
 * Lists the problems of one tensor to be written: an invalid shape, data that is not a
 * `Float32Array` of the shape's size, a non-finite value, or a value too large for
 * `dtype` (it would become infinite). Only the first bad value is named.
 */
export function tensorWriteProblems(name: string, value: Tensor, dtype: FloatDtype): string[] {
  const { shape, data } = value;
  if (!Array.isArray(shape) || !shape.every((length) => Number.isSafeInteger(length) && length >= 0)) {
    return [`tensor "${name}" has shape ${JSON.stringify(shape)}; every axis length must be a non-negative integer`];
  }
  if (!(data instanceof Float32Array)) return [`tensor "${name}" must hold a Float32Array`];
  if (data.length !== sizeOf(shape)) {
    return [`tensor "${name}" has ${data.length} values but shape ${formatShape(shape)} needs ${sizeOf(shape)}`];
  }
  let limit = Infinity;
  if (dtype === "F16") limit = F16_OVERFLOW;
  if (dtype === "BF16") limit = BF16_OVERFLOW;
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (!Number.isFinite(x)) {
      return [`tensor "${name}" contains ${x} at ${formatShape(unravelIndex(i, shape))}; every value must be finite`];
    }
    if (Math.abs(x) >= limit) {
      return [`tensor "${name}" contains ${x} at ${formatShape(unravelIndex(i, shape))}, which overflows ${dtype} (it would become infinite); write it as ${dtype === "F16" ? "BF16 or F32" : "F32"}`];
    }
  }
  return [];
}

/**
 * Writes float32 tensors to a safetensors file.
 *
 * Everything is validated before the first byte is written. The file is written to a
 * temporary file beside `path` and renamed at the end, so an error leaves no partial
 * file. Each tensor is written straight from its data (F32) or through a 2 MiB scratch
 * buffer (F16, BF16, rounded to nearest, ties to even).
 *
 * @param path the file to create or replace
 * @param tensors tensors by name, written in this order
 * @param options stored dtype and metadata
 * @throws CaptureError listing every invalid name, shape, dtype or value
 */
export function writeSafetensors(path: string, tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>, options: WriteSafetensorsOptions = {}): void {
  const list = tensors instanceof Map ? [...(tensors as ReadonlyMap<string, Tensor>).entries()] : Object.entries(tensors as Readonly<Record<string, Tensor>>);
  const problems: string[] = [];
  const layout: HeaderTensor[] = [];
  for (const [name, value] of list) {
    const dtype = typeof options.dtype === "function" ? options.dtype(name) : (options.dtype ?? "F32");
    if (name === "__metadata__" || name.length === 0) {
      problems.push(`tensor name ${JSON.stringify(name)} is reserved or empty; choose another name`);
      continue;
    }
    if (!isFloatDtype(dtype)) {
      problems.push(`tensor "${name}" has dtype ${JSON.stringify(dtype)}; expected F32, F16 or BF16`);
      continue;
    }
    const found = tensorWriteProblems(name, value, dtype);
    problems.push(...found);
    if (found.length === 0) layout.push({ name, dtype, shape: value.shape });
  }
  for (const [key, item] of Object.entries(options.metadata ?? {})) {
    if (typeof item !== "string") problems.push(`metadata.${key} is ${JSON.stringify(item)}; metadata values must be strings`);
  }
  if (problems.length > 0) throw new CaptureError(path, problems);

  assertLittleEndianHost(path);
  const header = encodeSafetensorsHeader(layout, options.metadata);
  writeFilesAtomically([
    {
      path,
      write(fd) {
        writeExactly(fd, header);
        for (const [i, [, value]] of list.entries()) writeTensorData(fd, value.data, layout[i]!.dtype);
      },
    },
  ]);
}
