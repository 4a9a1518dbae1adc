import type { Backend, Pooling, Tensor } from "@starkv/core";

/** A backend whose window scores can also be read back asynchronously (gpu.js, WebGPU). */
export interface AsyncScoresBackend extends Backend {
  windowScoresAsync(queries: Tensor, keys: Tensor, window: number, kernel: number, pooling: Pooling): Promise<Float32Array>;
}

function hasAsyncScores(backend: Backend): backend is AsyncScoresBackend {
  return typeof (backend as Partial<AsyncScoresBackend>).windowScoresAsync === "function";
}

/** Counters of a score cache, reset by `takeStats()`. */
export interface ScoreCacheStats {
  /** Milliseconds spent in the wrapped backend's window scores. */
  readonly milliseconds: number;
  /** Calls computed by the wrapped backend. */
  readonly computed: number;
  /** Calls served from the cache. */
  readonly reused: number;
}

/**
 * Wraps a backend so that the pooled window scores of a layer are computed once and
 * reused: moving the budget slider or switching methods then costs only the selection.
 *
 * Key tensors are named with `register(keys, label)`, where the label identifies the
 * layer's inputs (source, step and layer). Tensors regenerated for the same label share
 * the cached scores. Scores of unregistered tensors are computed every time. Each call
 * returns a copy, because the compressor changes the scores in place.
 *
 * The wrapper's `name` is the wrapped backend's, since every score it returns was
 * computed there. `prefetch` computes scores through `windowScoresAsync` when the wrapped
 * backend has it, so a WebGPU backend (whose results arrive asynchronously) can serve the
 * synchronous `compress` calls afterwards.
 */
export class ScoreCache implements Backend {
  readonly name: string;
  readonly #inner: Backend;
  readonly #labels = new WeakMap<Tensor, string>();
  readonly #scores = new Map<string, { readonly scores: Float32Array; readonly milliseconds: number }>();
  #milliseconds = 0;
  #computed = 0;
  #reused = 0;

  constructor(inner: Backend) {
    this.#inner = inner;
    this.name = inner.name;
  }

  /** Names `keys` so that its scores are cached under `label`. */
  register(keys: Tensor, label: string): void {
    this.#labels.set(keys, label);
  }

  /** Returns true when the scores for these arguments are cached. */
  has(keys: Tensor, window: number, kernel: number, pooling: Pooling): boolean {
    const key = this.#key(keys, window, kernel, pooling);
    return key !== undefined && this.#scores.has(key);
  }

  /** Computes and caches the scores for these arguments, asynchronously when the backend can. */
  async prefetch(queries: Tensor, keys: Tensor, window: number, kernel: number, pooling: Pooling): Promise<void> {
    const key = this.#key(keys, window, kernel, pooling);
    if (key === undefined || this.#scores.has(key)) return;
    const started = performance.now();
    const scores = hasAsyncScores(this.#inner)
      ? await this.#inner.windowScoresAsync(queries, keys, window, kernel, pooling)
      : this.#inner.windowScores(queries, keys, window, kernel, pooling);
    this.#scores.set(key, { scores, milliseconds: this.#record(started) });
  }

  /** Returns how long the cached scores for these arguments took to compute, or undefined when none are cached. */
  computeTime(keys: Tensor, window: number, kernel: number, pooling: Pooling): number | undefined {
    const key = this.#key(keys, window, kernel, pooling);
    return key === undefined ? undefined : this.#scores.get(key)?.milliseconds;
  }

  windowScores(queries: Tensor, keys: Tensor, window: number, kernel: number, pooling: Pooling): Float32Array {
    const key = this.#key(keys, window, kernel, pooling);
    const cached = key === undefined ? undefined : this.#scores.get(key);
    if (cached !== undefined) {
      this.#reused++;
      return cached.scores.slice();
    }
    const started = performance.now();
    const scores = this.#inner.windowScores(queries, keys, window, kernel, pooling);
    const milliseconds = this.#record(started);
    if (key !== undefined) this.#scores.set(key, { scores, milliseconds });
    return scores.slice();
  }

  gather(cache: Tensor, positions: Int32Array): Tensor {
    return this.#inner.gather(cache, positions);
  }

  /** Returns the counters since the last call and resets them. */
  takeStats(): ScoreCacheStats {
    const stats = { milliseconds: this.#milliseconds, computed: this.#computed, reused: this.#reused };
    this.#milliseconds = 0;
    this.#computed = 0;
    this.#reused = 0;
    return stats;
  }

  /** Disposes the wrapped backend and clears the cached scores. */
  dispose(): void {
    this.#scores.clear();
    this.#inner.dispose();
  }

  #record(started: number): number {
    const milliseconds = performance.now() - started;
    this.#milliseconds += milliseconds;
    this.#computed++;
    return milliseconds;
  }

  #key(keys: Tensor, window: number, kernel: number, pooling: Pooling): string | undefined {
    const label = this.#labels.get(keys);
    return label === undefined ? undefined : `${label}|w${window}|k${kernel}|${pooling}`;
  }
}
