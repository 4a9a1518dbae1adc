import type { Backend } from "./backend.js";

/** Options of `registerBackend`. */
export interface RegisterOptions {
  /**
   * Order of `listBackends()`: higher first, ties in registration order. Default 0. The
   * registry never picks a backend by itself, so the priority only orders the list a
   * caller chooses from.
   */
  readonly priority?: number;
  /** Replace a backend already registered under the same name; default false. */
  readonly replace?: boolean;
}

/** A registered backend and its priority. */
export interface RegisteredBackend {
  readonly name: string;
  readonly priority: number;
  readonly backend: Backend;
}

interface Entry extends RegisteredBackend {
  readonly order: number;
}

const entries = new Map<string, Entry>();
let registrations = 0;

/**
 * Registers `backend` under `backend.name`. Registration happens only by an explicit
 * call: no package of this repository registers a backend when it is imported.
 *
 * @throws TypeError when `backend` lacks a non-empty `name` or one of the kernels
 *   `windowScores`, `gather`, `dispose`
 * @throws RangeError when `priority` is not a finite number
 * @throws Error when the name is taken and `replace` is not set
 */
export function registerBackend(backend: Backend, options: RegisterOptions = {}): void {
  const candidate = backend as Partial<Backend> | null | undefined;
  if (typeof candidate !== "object" || candidate === null) {
    throw new TypeError(`registerBackend(): backend is ${String(candidate)}; pass an object with name, windowScores, gather and dispose`);
  }
  if (typeof candidate.name !== "string" || candidate.name.length === 0) {
    throw new TypeError(`registerBackend(): backend.name is ${JSON.stringify(candidate.name)}; expected a non-empty string`);
  }
  const missing = (["windowScores", "gather", "dispose"] as const).filter((kernel) => typeof candidate[kernel] !== "function");
  if (missing.length > 0) {
    throw new TypeError(`registerBackend(): backend "${candidate.name}" lacks ${missing.join(", ")}; a backend must implement windowScores, gather and dispose`);
  }
  const priority = options.priority ?? 0;
  if (typeof priority !== "number" || !Number.isFinite(priority)) {
    throw new RangeError(`registerBackend(): priority of "${backend.name}" is ${String(priority)}; expected a finite number`);
  }
  if (entries.has(backend.name) && options.replace !== true) {
    throw new Error(
      `registerBackend(): a backend named "${backend.name}" is already registered; call unregisterBackend("${backend.name}") first or pass { replace: true }`,
    );
  }
  entries.set(backend.name, { name: backend.name, priority, backend, order: registrations++ });
}

/**
 * Returns the backend registered as `name`. There is no fallback to another backend.
 *
 * @throws Error naming the registered backends when `name` is not registered
 */
export function getBackend(name: string): Backend {
  const entry = entries.get(name);
  if (entry !== undefined) return entry.backend;
  const known = listBackends().map((registered) => `"${registered.name}"`);
  const listed = known.length === 0 ? "no backend is registered" : `registered backends: ${known.join(", ")}`;
  throw new Error(`getBackend(): no backend is registered as ${JSON.stringify(name)} (${listed}); register it first with registerBackend()`);
}

/** Lists the registered backends, highest priority first, ties in registration order. */
export function listBackends(): RegisteredBackend[] {
  return [...entries.values()]
    .sort((a, b) => b.priority - a.priority || a.order - b.order)
    .map(({ name, priority, backend }) => ({ name, priority, backend }));
}

/**
 * Removes the backend registered as `name` and returns whether one was registered. The
 * backend is not disposed, because its creator still owns it.
 */
export function unregisterBackend(name: string): boolean {
  return entries.delete(name);
}
