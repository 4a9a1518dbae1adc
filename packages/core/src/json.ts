/** A JSON value, the only kind of data a stage may keep in a session. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A stage's per-layer state: a plain JSON object that stages update in place. */
export type StageState = { [key: string]: JsonValue };

/** Returns a deep copy of a JSON value. */
export function cloneJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}
