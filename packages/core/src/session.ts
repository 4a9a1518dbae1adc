import { cloneJson, type JsonValue, type StageState } from "./json.js";
import type { Stage } from "./stage.js";

/** The JSON form of a session, as `Session.toJSON()` writes it. */
export interface SessionJson {
  readonly format: "starkv-session/1";
  /** Per layer, per batch row: each stage's state by stage name. */
  readonly layers: readonly { readonly layer: number; readonly rows: readonly Record<string, StageState>[] }[];
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
   * initial state). State of stages this session has not seen run is dropped.
   */
  reset(): void {
    for (const rows of this.#layers.values()) {
      for (const states of rows) {
        if (states === undefined) continue;
        for (const [name, state] of states) {
          const stage = this.#stages.get(name);
          const next = stage?.resetState?.(state);
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
      rows: (this.#layers.get(layer) ?? []).map((states) => Object.fromEntries([...(states ?? new Map<string, StageState>())].map(([name, state]) => [name, cloneJson(state)]))),
    }));
    return { format: "starkv-session/1", layers };
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
  return undefined;
}
