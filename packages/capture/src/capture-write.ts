import type { Tensor } from "@starkv/core";
import { captureTensorProblems, type LayerTensors, layerTensorNames } from "./capture-layout.js";
import { capturePaths } from "./capture-paths.js";
import { CaptureError } from "./errors.js";
import { assertLittleEndianHost, writeExactly, writeFilesAtomically } from "./file-io.js";
import type { FloatDtype } from "./safetensors-header.js";
import { encodeSafetensorsHeader, type HeaderTensor, tensorWriteProblems, writeTensorData } from "./safetensors-write.js";
import { CAPTURE_FORMAT, type CaptureSidecar, parseSidecar } from "./sidecar.js";

/** Options of `writeCapture`. */
export interface WriteCaptureOptions {
  /** Stored element type of every tensor; `"F32"` by default. */
  readonly dtype?: FloatDtype;
  /**
   * More tensors to store beside the layers' (readers ignore tensors they do not know),
   * for example the kept positions of a compressed capture. Names must not collide
   * with the `L{layer}.*` names of the capture format.
   */
  readonly extraTensors?: ReadonlyMap<string, Tensor | Float32Array>;
  /** More top-level sidecar fields (readers ignore unknown fields); known fields cannot be replaced. */
  readonly extraFields?: Readonly<Record<string, unknown>>;
}

/**
 * Writes a capture: `NAME.safetensors` with the tensors of every layer and `NAME.json`
 * with the sidecar.
 *
 * Validates everything first: the sidecar (as `parseSidecar` does), that `layers` has
 * exactly the sidecar's layers, every tensor's shape against the sidecar, that `hidden`
 * is present, and that every value is finite and fits `dtype`. Both files are written to
 * temporary files and renamed at the end, so an error leaves nothing partial. The
 * sidecar is written with its known fields only.
 *
 * @param path `NAME.safetensors`, `NAME.json` or `NAME`
 * @param sidecar the capture's description; `layers`, `window` and `seqLen` fix the shapes
 * @param layers the tensors of each layer in `sidecar.layers`
 * @param options stored dtype (F32 exact; F16 and BF16 rounded to nearest, ties to even)
 * @throws CaptureError listing every problem found
 */
export function writeCapture(path: string, sidecar: CaptureSidecar, layers: ReadonlyMap<number, LayerTensors>, options: WriteCaptureOptions = {}): void {
  const paths = capturePaths(path);
  const clean = parseSidecar(sidecar, paths.sidecar);
  const dtype = options.dtype ?? "F32";
  if (dtype !== "F32" && dtype !== "F16" && dtype !== "BF16") {
    throw new CaptureError(paths.tensors, `options.dtype is ${JSON.stringify(dtype)}; expected "F32", "F16" or "BF16"`);
  }

  const problems: string[] = [];
  if (!((layers as unknown) instanceof Map)) {
    throw new CaptureError(paths.tensors, "layers must be a Map from layer index to LayerTensors");
  }
  for (const layer of layers.keys()) {
    if (!clean.layers.includes(layer)) problems.push(`layers has layer ${layer}, which sidecar.layers [${clean.layers.join(", ")}] does not list`);
  }

  const named = new Map<string, LayerTensors[keyof LayerTensors]>();
  for (const layer of clean.layers) {
    const tensors = layers.get(layer);
    if (tensors === undefined) {
      problems.push(`layers has no tensors for layer ${layer}, which sidecar.layers lists`);
      continue;
    }
    const names = layerTensorNames(layer);
    named.set(names.keys, tensors.keys);
    named.set(names.values, tensors.values);
    named.set(names.queries, tensors.queries);
    if (tensors.hidden === undefined) {
      problems.push(`layers.get(${layer}).hidden is missing; a capture needs the [seqLen] hidden-state norms or the [seqLen, hidden] states`);
    } else {
      named.set(tensors.hidden.shape.length === 1 ? names.hiddenNorms : names.hidden, tensors.hidden);
    }
    if (tensors.evalQueries !== undefined) named.set(names.evalQueries, tensors.evalQueries);
  }
  for (const [name, value] of options.extraTensors ?? new Map<string, Tensor | Float32Array>()) {
    if (named.has(name) || /^L\d+\.(k|v|q_win|h_norm|h|q_eval)$/.test(name)) problems.push(`extra tensor "${name}" collides with a capture tensor name; rename it`);
    else if (value instanceof Float32Array) named.set(name, { shape: [value.length], data: value });
    else named.set(name, value);
  }
  const knownFields = new Set(Object.keys(clean));
  for (const field of Object.keys(options.extraFields ?? {})) {
    if (knownFields.has(field)) problems.push(`extra sidecar field "${field}" would replace a capture field; rename it`);
  }

  const layout: HeaderTensor[] = [];
  const shapes = new Map<string, { dtype: FloatDtype; shape: readonly number[] }>();
  for (const [name, value] of named) {
    if (value === undefined || typeof value !== "object" || !Array.isArray(value.shape)) {
      problems.push(`tensor "${name}" is not a tensor {shape, data}`);
      continue;
    }
    shapes.set(name, { dtype, shape: value.shape });
    const found = tensorWriteProblems(name, value, dtype);
    problems.push(...found);
    if (found.length === 0) layout.push({ name, dtype, shape: value.shape });
  }
  // Layers missing from the map were reported above; check the shapes of the others.
  const given = { ...clean, layers: clean.layers.filter((layer) => layers.has(layer)) };
  problems.push(...captureTensorProblems(given, (name) => shapes.get(name)));
  if (problems.length > 0) throw new CaptureError(paths.tensors, problems);

  assertLittleEndianHost(paths.tensors);
  const header = encodeSafetensorsHeader(layout, { format: CAPTURE_FORMAT });
  const sidecarBytes = new TextEncoder().encode(`${JSON.stringify({ ...clean, ...options.extraFields }, null, 2)}\n`);
  writeFilesAtomically([
    {
      path: paths.tensors,
      write(fd) {
        writeExactly(fd, header);
        for (const entry of layout) writeTensorData(fd, named.get(entry.name)!.data, dtype);
      },
    },
    { path: paths.sidecar, write: (fd) => writeExactly(fd, sidecarBytes) },
  ]);
}
