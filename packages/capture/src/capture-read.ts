import { closeSync, readFileSync } from "node:fs";
import { type Tensor, tensor } from "@starkv/core";
import { captureTensorProblems, type LayerTensors, readLayerTensors } from "./capture-layout.js";
import { capturePaths } from "./capture-paths.js";
import { CaptureError } from "./errors.js";
import { openForReading } from "./file-io.js";
import type { SafetensorsHeader } from "./safetensors-header.js";
import { readEntryData, readHeaderFromDescriptor } from "./safetensors-read.js";
import { type CaptureSidecar, parseSidecar } from "./sidecar.js";

/** An open capture whose layers are read on request. */
export interface Capture {
  /** Path of `NAME.safetensors`. */
  readonly path: string;
  /** Path of `NAME.json`. */
  readonly sidecarPath: string;
  readonly sidecar: CaptureSidecar;
  /** The captured layers, ascending (`sidecar.layers`). */
  readonly layers: readonly number[];
  /** The validated safetensors header. */
  readonly header: SafetensorsHeader;
  /** Size of `NAME.safetensors` in bytes. */
  readonly byteLength: number;
  /**
   * Reads the tensors of one layer into new float32 tensors. `hidden` is the `[seqLen]`
   * norms when the file has `L{layer}.h_norm`, otherwise the `[seqLen, hidden]` states
   * of `L{layer}.h`; `evalQueries` is set when the file has `L{layer}.q_eval`.
   *
   * @throws RangeError when `layer` is not one of `layers`
   * @throws CaptureError when the capture is closed or the file changed after it was opened
   */
  readLayer(layer: number): LayerTensors;
  /**
   * Reads any tensor of the file by name, for example `"L7.h"`.
   *
   * @throws RangeError when the file has no such tensor
   */
  readTensor(name: string): Tensor;
  /** Closes the file descriptor. Further reads throw; closing twice does nothing. */
  close(): void;
}

function readSidecarFile(path: string): CaptureSidecar {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "sidecar not found; a capture is NAME.safetensors plus NAME.json" : `cannot read the sidecar (${code ?? String(error)})`;
    throw new CaptureError(path, reason, undefined, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CaptureError(path, `the sidecar is not valid JSON (${reason})`, undefined, { cause: error });
  }
  return parseSidecar(json, path);
}

/**
 * Opens a capture: reads and validates the sidecar and the safetensors header, then
 * checks the header against the sidecar. Each listed layer needs `L{l}.k`, `.v`,
 * `.q_win` and `.h_norm` or `.h`, with the shapes the sidecar implies and dtype F32, F16
 * or BF16. No tensor data is read until `readLayer`, and the file stays open until
 * `close()`.
 *
 * @param path `NAME.safetensors`, `NAME.json` or `NAME`
 * @throws CaptureError listing every problem of the sidecar, or of the header against it
 */
export function openCapture(path: string): Capture {
  const paths = capturePaths(path);
  const sidecar = readSidecarFile(paths.sidecar);
  const { fd, size } = openForReading(paths.tensors);
  let header: SafetensorsHeader;
  try {
    header = readHeaderFromDescriptor(fd, size, paths.tensors);
    const problems = captureTensorProblems(sidecar, (name) => header.tensors.get(name));
    if (problems.length > 0) throw new CaptureError(paths.tensors, problems);
  } catch (error) {
    closeSync(fd);
    throw error;
  }

  let open = true;
  const layerSet = new Set(sidecar.layers);
  const read = (name: string): Tensor => {
    if (!open) throw new CaptureError(paths.tensors, `reading "${name}" failed because the capture was closed; open it again`, name);
    const entry = header.tensors.get(name);
    if (entry === undefined) {
      throw new RangeError(`Capture.readTensor(): ${paths.tensors} has no tensor "${name}"; tensor names look like "L${sidecar.layers[0]}.k"`);
    }
    return tensor(readEntryData(fd, header, entry, paths.tensors), entry.shape, name);
  };

  return {
    path: paths.tensors,
    sidecarPath: paths.sidecar,
    sidecar,
    layers: Object.freeze([...sidecar.layers]),
    header,
    byteLength: size,
    readLayer(layer: number): LayerTensors {
      if (!layerSet.has(layer)) {
        throw new RangeError(`Capture.readLayer(): layer is ${layer}, but ${paths.tensors} contains layers ${sidecar.layers.join(", ")}`);
      }
      return readLayerTensors(layer, (name) => header.tensors.has(name), read);
    },
    readTensor: read,
    close(): void {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
