import { type Tensor, tensor } from "@starkv/core";
import { captureTensorProblems, type LayerTensors, readLayerTensors } from "./capture-layout.js";
import { CaptureError } from "./errors.js";
import { decodeBf16, decodeF16 } from "./half.js";
import { parseHeaderLength, parseSafetensorsHeader, type SafetensorsEntry } from "./safetensors-header.js";
import { type CaptureSidecar, parseSidecar } from "./sidecar.js";

/** A capture read from bytes in memory. */
export interface CaptureInMemory {
  readonly sidecar: CaptureSidecar;
  /** The tensors of every captured layer, decoded to float32. */
  readonly layers: ReadonlyMap<number, LayerTensors>;
}

function decodeEntry(bytes: Uint8Array, dataStart: number, entry: SafetensorsEntry, file: string): Tensor {
  const start = bytes.byteOffset + dataStart + entry.begin;
  const count = entry.shape.reduce((a, b) => a * b, 1);
  // Copy into an aligned buffer: the entry may start at any byte offset.
  const raw = bytes.buffer.slice(start, bytes.byteOffset + dataStart + entry.end);
  let data: Float32Array;
  if (entry.dtype === "F32") data = new Float32Array(raw);
  else if (entry.dtype === "F16" || entry.dtype === "BF16") {
    data = new Float32Array(count);
    (entry.dtype === "F16" ? decodeF16 : decodeBf16)(new Uint16Array(raw), data);
  } else throw new CaptureError(file, `tensor "${entry.name}" has dtype ${entry.dtype}; a capture stores F32, F16 or BF16`, entry.name);
  return tensor(data, entry.shape, entry.name);
}

/**
 * Reads a capture from its two files' contents, for browsers and other places without a
 * file system: validates the sidecar, the safetensors header and their agreement as
 * `openCapture` does, then decodes every layer.
 *
 * @param sidecarText the text of `NAME.json`
 * @param safetensors the bytes of `NAME.safetensors` (assumed little-endian data, as the format requires)
 * @param name a name for error messages, for example the dropped file's name
 * @throws CaptureError listing every problem found
 */
export function parseCaptureBytes(sidecarText: string, safetensors: Uint8Array, name = "capture"): CaptureInMemory {
  let json: unknown;
  try {
    json = JSON.parse(sidecarText);
  } catch (error) {
    throw new CaptureError(`${name}.json`, `the sidecar is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const file = `${name}.safetensors`;
  const sidecar = parseSidecar(json, `${name}.json`);
  const headerLength = parseHeaderLength(safetensors.subarray(0, 8), safetensors.length, file);
  const header = parseSafetensorsHeader(safetensors.subarray(8, 8 + headerLength), safetensors.length, file);
  const problems = captureTensorProblems(sidecar, (tensorName) => header.tensors.get(tensorName));
  if (problems.length > 0) throw new CaptureError(file, problems);

  const read = (tensorName: string): Tensor => decodeEntry(safetensors, header.dataStart, header.tensors.get(tensorName)!, file);
  const layers = new Map<number, LayerTensors>();
  for (const layer of sidecar.layers) layers.set(layer, readLayerTensors(layer, (tensorName) => header.tensors.has(tensorName), read));
  return { sidecar, layers };
}
