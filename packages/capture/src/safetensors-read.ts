import { closeSync } from "node:fs";
import { formatShape, type Tensor, tensor } from "@starkv/core";
import { CaptureError } from "./errors.js";
import { assertLittleEndianHost, openForReading, readExactly } from "./file-io.js";
import { decodeBf16, decodeF16 } from "./half.js";
import { isFloatDtype, parseHeaderLength, parseSafetensorsHeader, type SafetensorsEntry, type SafetensorsHeader } from "./safetensors-header.js";

/** Half-precision tensors are decoded through a reusable scratch buffer of this many elements (2 MiB). */
const halfChunkElements = 1 << 20;

/** An open safetensors file whose tensors are read one at a time, on request. */
export interface SafetensorsFile {
  readonly path: string;
  readonly header: SafetensorsHeader;
  /** Size of the file in bytes. */
  readonly byteLength: number;
  /**
   * Reads one tensor into a new float32 tensor. `F32` data is read straight into the
   * result; `F16` and `BF16` data pass through a scratch buffer of at most 2 MiB.
   *
   * @throws RangeError when no tensor has that name
   * @throws CaptureError when the dtype is not F32, F16 or BF16, the file is closed, or
   *   the file shrank after it was opened
   */
  readTensor(name: string): Tensor;
  /** Closes the file descriptor. Further reads throw; closing twice does nothing. */
  close(): void;
}

/** Reads the header of an open file and validates it against the file size. */
export function readHeaderFromDescriptor(fd: number, size: number, path: string): SafetensorsHeader {
  const prefix = new Uint8Array(8);
  if (size >= 8) readExactly(fd, prefix, 0, path);
  const headerLength = parseHeaderLength(prefix, size, path);
  const headerBytes = new Uint8Array(headerLength);
  readExactly(fd, headerBytes, 8, path);
  return parseSafetensorsHeader(headerBytes, size, path);
}

/**
 * Reads `entry` of an open file into a new `Float32Array`.
 *
 * The destination is allocated once at its final size; F32 bytes are read into it
 * directly, so the peak memory of a read is the tensor itself plus at most 2 MiB.
 */
export function readEntryData(fd: number, header: SafetensorsHeader, entry: SafetensorsEntry, path: string): Float32Array {
  if (!isFloatDtype(entry.dtype)) {
    throw new CaptureError(path, `tensor "${entry.name}" has dtype ${entry.dtype}; only F32, F16 and BF16 tensors can be read as float32`, entry.name);
  }
  assertLittleEndianHost(path);
  const elements = (entry.end - entry.begin) / (entry.dtype === "F32" ? 4 : 2);
  const target = new Float32Array(elements);
  const position = header.dataStart + entry.begin;
  if (entry.dtype === "F32") {
    readExactly(fd, new Uint8Array(target.buffer), position, path);
    return target;
  }

  const scratch = new Uint16Array(Math.min(elements, halfChunkElements));
  const scratchBytes = new Uint8Array(scratch.buffer);
  const decode = entry.dtype === "F16" ? decodeF16 : decodeBf16;
  for (let start = 0; start < elements; start += scratch.length) {
    const count = Math.min(scratch.length, elements - start);
    readExactly(fd, scratchBytes.subarray(0, count * 2), position + start * 2, path);
    decode(scratch.subarray(0, count), target, start);
  }
  return target;
}

/**
 * Opens a safetensors file, reads and validates its header, and keeps the descriptor
 * open so that tensors can be read lazily with `readTensor`. Call `close()` when done.
 *
 * @param path path of the `.safetensors` file
 * @throws CaptureError when the file is missing or its header is invalid (see
 *   `parseSafetensorsHeader` for every check)
 */
export function openSafetensors(path: string): SafetensorsFile {
  const { fd, size } = openForReading(path);
  let header: SafetensorsHeader;
  try {
    header = readHeaderFromDescriptor(fd, size, path);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let open = true;
  return {
    path,
    header,
    byteLength: size,
    readTensor(name: string): Tensor {
      if (!open) throw new CaptureError(path, `readTensor("${name}"): the file was closed; open it again`, name);
      const entry = header.tensors.get(name);
      if (entry === undefined) {
        throw new RangeError(`readTensor(): ${path} has no tensor "${name}"; it has ${formatNames(header)}`);
      }
      return tensor(readEntryData(fd, header, entry, path), entry.shape, name);
    },
    close(): void {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

/**
 * Reads and validates only the header of a safetensors file.
 *
 * @throws CaptureError when the file is missing or its header is invalid
 */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  const { fd, size } = openForReading(path);
  try {
    return readHeaderFromDescriptor(fd, size, path);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads tensors of a safetensors file into float32 tensors, one at a time.
 *
 * @param path path of the `.safetensors` file
 * @param names the tensors to read; every tensor of the file when omitted
 * @returns the tensors by name, in the order of `names` or of the file
 * @throws CaptureError when the file or a tensor cannot be read; RangeError when a
 *   requested name is missing
 */
export function readSafetensors(path: string, names?: readonly string[]): Map<string, Tensor> {
  const file = openSafetensors(path);
  try {
    const wanted = names ?? [...file.header.tensors.keys()];
    const missing = wanted.filter((name) => !file.header.tensors.has(name));
    if (missing.length > 0) {
      throw new RangeError(`readSafetensors(): ${path} has no tensor ${missing.map((name) => `"${name}"`).join(", ")}; it has ${formatNames(file.header)}`);
    }
    const result = new Map<string, Tensor>();
    for (const name of wanted) result.set(name, file.readTensor(name));
    return result;
  } finally {
    file.close();
  }
}

/** At most this many tensor names are listed in an error message. */
const maxListedNames = 20;

/** Lists the tensors of a header for messages, for example `"L0.k" F16 [4, 512, 128]`. */
function formatNames(header: SafetensorsHeader): string {
  const entries = [...header.tensors.values()];
  const listed = entries.slice(0, maxListedNames).map((entry) => `"${entry.name}" ${entry.dtype} ${formatShape(entry.shape)}`);
  if (entries.length > maxListedNames) listed.push(`and ${entries.length - maxListedNames} more`);
  return listed.join(", ");
}
