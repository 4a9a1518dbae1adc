import { cloneJson, type JsonValue, type StageState } from "./json.js";
import type { Stage } from "./stage.js";

/** The JSON form of a session, as `Session.toJSON()` writes it. */
export interface SessionJson {
  readonly format: "starkv-session/1";
  /** Per layer, per batch row: each stage's state by stage name. */
  readonly layers: readonly { readonly layer: number; readonly rows: readonly Record<string, StageState>[] }[];
  /** States reset while their stage had not run in this session; reset on first use. */
  readonly pendingReset?: readonly { readonly layer: number; readonly row: number; readonly stage: string }[];
}

/**
 * The state of one episode: every layer's counters and moving averages, per batch row.
 *
 * The reference keeps this state on the model's attention modules; here it is an
 * explicit object, so two sessions never share state. Create one per episode (or call
 * `reset()` between episodes), and pass it to every compression call of that episode.
 */
export class Session {
  readonly #layers = new Map<number, Map<string, StageState>[]>();
  readonly #stages = new Map<string, Stage>();
  /** States reset while their stage was unknown (restored from JSON): reset on first use. */
  readonly #pendingReset = new WeakMap<StageState, true>();

  /**
   * Returns the live state of `stage` for `layer` and `row`, creating it on first use.
   * The compressor calls this; user code rarely needs it.
   */
  state<State extends StageState>(stage: Stage<State>, layer: number, row: number): State {
    this.#stages.set(stage.name, stage);
    let rows = this.#layers.get(layer);
    if (rows === undefined) {
      rows = [];
      this.#layers.set(layer, rows);
    }
    let states = rows[row];
    if (states === undefined) {
      states = new Map();
      rows[row] = states;
    }
    let state = states.get(stage.name);
    if (state !== undefined && this.#pendingReset.has(state)) {
      state = stage.resetState?.(state as State) ?? stage.initialState();
      states.set(stage.name, state);
    }
    if (state === undefined) {
      state = stage.initialState();
      states.set(stage.name, state);
    }
    return state as State;
  }

  /** Layers that hold state, ascending. */
  layers(): number[] {
    return [...this.#layers.keys()].sort((a, b) => a - b);
  }

  /**
   * Starts a new episode: each stage's state becomes its `resetState` (by default its
   * initial state). State of a stage this session has not run yet (for example after
   * `fromJSON`) is reset when that stage first uses it.
   */
  reset(): void {
    for (const rows of this.#layers.values()) {
      for (const states of rows) {
        if (states === undefined) continue;
        for (const [name, state] of states) {
          const stage = this.#stages.get(name);
          if (stage === undefined) {
            this.#pendingReset.set(state, true);
            continue;
          }
          const next = stage.resetState?.(state);
          if (next === undefined) states.delete(name);
          else states.set(name, next);
        }
      }
    }
  }

  /** Returns a deep copy of the state as JSON. */
  toJSON(): SessionJson {
    const layers = this.layers().map((layer) => ({
      layer,
      // Array.from visits holes too (a row used before lower rows), so they become {}.
      rows: Array.from(this.#layers.get(layer) ?? [], (states: Map<string, StageState> | undefined) =>
        Object.fromEntries([...(states ?? new Map<string, StageState>())].map(([name, state]) => [name, cloneJson(state)])),
      ),
    }));
    const pendingReset: { layer: number; row: number; stage: string }[] = [];
    for (const [layer, rows] of this.#layers) {
      rows.forEach((states, row) => {
        for (const [stage, state] of states) if (this.#pendingReset.has(state)) pendingReset.push({ layer, row, stage });
      });
    }
    return pendingReset.length === 0 ? { format: "starkv-session/1", layers } : { format: "starkv-session/1", layers, pendingReset };
  }

  /** Returns an independent copy of this session. */
  clone(): Session {
    const copy = Session.fromJSON(this.toJSON());
    for (const [name, stage] of this.#stages) copy.#stages.set(name, stage);
    return copy;
  }

  /**
   * Restores a session from `toJSON()` output (also after `JSON.parse`).
   *
   * @throws TypeError when the value is not a `starkv-session/1` object
   */
  static fromJSON(json: unknown): Session {
    const problem = sessionJsonProblem(json);
    if (problem !== undefined) throw new TypeError(`Session.fromJSON(): ${problem}`);
    const session = new Session();
    for (const { layer, rows } of (json as SessionJson).layers) {
      session.#layers.set(
        layer,
        rows.map((states) => new Map(Object.entries(states).map(([name, state]) => [name, cloneJson(state)]))),
      );
    }
    for (const { layer, row, stage } of (json as SessionJson).pendingReset ?? []) {
      const state = session.#layers.get(layer)?.[row]?.get(stage);
      if (state !== undefined) session.#pendingReset.set(state, true);
    }
    return session;
  }
}

function isPlainObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sessionJsonProblem(json: unknown): string | undefined {
  if (!isPlainObject(json)) return `expected an object, got ${json === null ? "null" : typeof json}`;
  if (json["format"] !== "starkv-session/1") return `format is ${JSON.stringify(json["format"])}; expected "starkv-session/1"`;
  const layers = json["layers"];
  if (!Array.isArray(layers)) return "layers is missing or not an array";
  for (const [i, entry] of layers.entries()) {
    if (!isPlainObject(entry)) return `layers[${i}] is not an object`;
    const layer = entry["layer"];
    if (typeof layer !== "number" || !Number.isInteger(layer) || layer < 0) return `layers[${i}].layer is ${JSON.stringify(layer) ?? typeof layer}; expected a non-negative integer`;
    const rows = entry["rows"];
    if (!Array.isArray(rows) || !rows.every((row) => isPlainObject(row) && Object.values(row).every(isPlainObject))) {
      return `layers[${i}].rows must be an array of { stageName: stateObject }`;
    }
  }
  const pending = json["pendingReset"];
  if (pending !== undefined && (!Array.isArray(pending) || !pending.every((entry) => isPlainObject(entry) && typeof entry["layer"] === "number" && typeof entry["row"] === "number" && typeof entry["stage"] === "string"))) {
    return "pendingReset must be an array of { layer, row, stage }";
  }
  return undefined;
}
