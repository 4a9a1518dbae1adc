/**
 * A capture or safetensors file that cannot be read or written: missing, truncated,
 * malformed, or inconsistent with its sidecar. `problems` lists every problem found, so
 * a caller can fix them all at once; the message names the file and joins them.
 */
export class CaptureError extends Error {
  /** The file the problem is in (the `.safetensors` or the `.json` sidecar). */
  readonly file: string;
  /** The tensor name or sidecar field concerned, when there is exactly one. */
  readonly field?: string;
  /** Every problem found, one sentence each. */
  readonly problems: readonly string[];

  constructor(file: string, problems: string | readonly string[], field?: string, options?: { cause?: unknown }) {
    const list = typeof problems === "string" ? [problems] : [...problems];
    const text = list.length === 1 ? list[0]! : `${list.length} problems:\n  - ${list.join("\n  - ")}`;
    super(`${file}: ${text}`, options);
    this.name = "CaptureError";
    this.file = file;
    if (field !== undefined) this.field = field;
    this.problems = Object.freeze(list);
  }
}
