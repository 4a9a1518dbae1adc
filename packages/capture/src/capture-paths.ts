/** The two files of a capture. */
export interface CapturePaths {
  /** The path without extension, `NAME`. */
  readonly base: string;
  /** `NAME.safetensors`. */
  readonly tensors: string;
  /** `NAME.json`. */
  readonly sidecar: string;
}

/**
 * Returns the file names of a capture from `NAME.safetensors`, `NAME.json` or `NAME`.
 *
 * @throws TypeError when `path` is not a non-empty string
 */
export function capturePaths(path: string): CapturePaths {
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError(`capturePaths(): path is ${JSON.stringify(path)}; pass NAME.safetensors, NAME.json or NAME`);
  }
  const base = path.endsWith(".safetensors") ? path.slice(0, -".safetensors".length) : path.endsWith(".json") ? path.slice(0, -".json".length) : path;
  return { base, tensors: `${base}.safetensors`, sidecar: `${base}.json` };
}
