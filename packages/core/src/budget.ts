/**
 * How much of the prompt's cache to keep.
 *
 * - `{ percent }`: capacity `C = trunc(T · (percent / 100))` evaluated in IEEE double in
 *   that order, as the reference does (so `T = 100, percent = 29` gives 28, not 29). The
 *   observation window counts toward `C` unless `windowIncluded: false`, which adds the
 *   window on top, as the STaR-KV README describes the budget (its code includes it).
 * - `{ removed }`: the fraction of the prompt to drop; `C = T − trunc(T · removed)`.
 * - `{ tokens }`: an absolute capacity, window included.
 */
export type Budget =
  | { readonly percent: number; readonly windowIncluded?: boolean }
  | { readonly removed: number }
  | { readonly tokens: number };

/** The per-prefill setup derived from a budget: capacity, window and kept past tokens. */
export interface Capacity {
  /** `T`, tokens of the prefill. */
  readonly seqLen: number;
  /** `C`, the capacity the budget gives, window included. */
  readonly capacity: number;
  /** `w`, the observation window after the clamp `max(1, min(window, C − 2))`. */
  readonly window: number;
  /** `L = T − w`, past positions that compete for the cache. */
  readonly pastLength: number;
  /** Past tokens kept by the selection; `keep + window` tokens stay in the cache. */
  readonly keep: number;
  /** False when `T < C` (nothing to drop) or no past position exists. */
  readonly compresses: boolean;
  /** Reasons the kept count differs from the capacity; empty when it does not. */
  readonly notes: readonly string[];
}

/** Returns the capacity `C` a budget gives for `seqLen` tokens, before the window clamp. */
export function capacityFor(seqLen: number, budget: Budget, window: number): number {
  if ("percent" in budget) {
    const capacity = Math.trunc(seqLen * (budget.percent / 100));
    return budget.windowIncluded === false ? capacity + window : capacity;
  }
  if ("removed" in budget) return seqLen - Math.trunc(seqLen * budget.removed);
  return budget.tokens;
}

/**
 * Returns the describing problem of a budget, or undefined when it is valid.
 * Percent must be in (0, 100], removed in [0, 1), tokens a positive integer.
 */
export function budgetProblem(budget: unknown): string | undefined {
  if (typeof budget !== "object" || budget === null) {
    return `budget is ${String(budget)}; expected { percent }, { removed } or { tokens }`;
  }
  const keys = Object.keys(budget);
  const record = budget as Record<string, unknown>;
  if ("percent" in record) {
    const unknown = keys.filter((key) => key !== "percent" && key !== "windowIncluded");
    if (unknown.length > 0) return `budget has unknown key(s) ${unknown.join(", ")}; a percent budget takes percent and windowIncluded`;
    const percent = record["percent"];
    if (typeof percent !== "number" || !Number.isFinite(percent) || percent <= 0 || percent > 100) {
      return `budget.percent is ${String(percent)}; expected a number in (0, 100]`;
    }
    if (record["windowIncluded"] !== undefined && typeof record["windowIncluded"] !== "boolean") {
      return `budget.windowIncluded is ${JSON.stringify(record["windowIncluded"])}; expected true or false`;
    }
    return undefined;
  }
  if ("removed" in record) {
    if (keys.length !== 1) return `budget has keys ${keys.join(", ")}; a removed-ratio budget takes only removed`;
    const removed = record["removed"];
    if (typeof removed !== "number" || !Number.isFinite(removed) || removed < 0 || removed >= 1) {
      return `budget.removed is ${String(removed)}; expected a fraction in [0, 1)`;
    }
    return undefined;
  }
  if ("tokens" in record) {
    if (keys.length !== 1) return `budget has keys ${keys.join(", ")}; a token budget takes only tokens`;
    const tokens = record["tokens"];
    if (typeof tokens !== "number" || !Number.isInteger(tokens) || tokens < 1) {
      return `budget.tokens is ${String(tokens)}; expected a positive integer`;
    }
    return undefined;
  }
  return `budget has keys ${keys.join(", ") || "(none)"}; expected { percent }, { removed } or { tokens }`;
}

/**
 * Derives capacity, window and kept count for one prefill of `seqLen` tokens, as the
 * reference's model patch does: `C` from the budget, then the window clamp
 * `w = max(1, min(window, C − 2))`, then `keep = max(1, min(C − w, L))` when `T ≥ C`.
 *
 * The reference's edge cases are kept and explained in `notes`. With `C ≤ 2` it still
 * keeps one past token and one window token, so 2 tokens, more than `C`. With `T < C`
 * nothing is compressed.
 *
 * @param seqLen `T`, tokens in the prefill
 * @param window configured observation window (before the clamp)
 */
export function resolveCapacity(seqLen: number, budget: Budget, window: number): Capacity {
  const capacity = capacityFor(seqLen, budget, window);
  const clamped = Math.max(1, Math.min(window, capacity - 2));
  const pastLength = seqLen - clamped;
  const notes: string[] = [];

  if (seqLen < capacity) {
    notes.push(`the prompt has ${seqLen} tokens, fewer than the capacity ${capacity}: nothing is dropped`);
    return { seqLen, capacity, window: clamped, pastLength, keep: pastLength, compresses: false, notes };
  }
  if (pastLength < 1) {
    notes.push(`the prompt has ${seqLen} token(s) and the window takes ${clamped}: no past position to select from, nothing is dropped`);
    return { seqLen, capacity, window: clamped, pastLength, keep: 0, compresses: false, notes };
  }
  if (clamped < window) {
    notes.push(`window clamped from ${window} to ${clamped} by max(1, min(window, C − 2)) with capacity C = ${capacity}`);
  }
  const keep = Math.max(1, Math.min(capacity - clamped, pastLength));
  if (keep + clamped > capacity) {
    notes.push(
      `capacity ${capacity} is below the minimum of 2 tokens (one past token and one window token); ${keep + clamped} tokens are kept, as the reference does`,
    );
  }
  return { seqLen, capacity, window: clamped, pastLength, keep, compresses: true, notes };
}
