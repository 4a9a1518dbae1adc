import { buildHeadCaches, compressedResult, wholeLayerResult } from "./head-caches.js";
import { prepareLayer } from "./layer-setup.js";
import { type LayerMethod, layerMethod } from "./method.js";
import { type BudgetOptions, budgetChecks, checkOptions, integerFrom, resolveBudgetOptions } from "./options.js";

/** Options of `createRandom`. */
export interface RandomOptions extends BudgetOptions {
  /** Seed in `[0, 2³²)`; default 0. The same seed and layer always keep the same positions. */
  readonly seed?: number;
}

/**
 * Returns a generator of uniform numbers in `[0, 1)` for `seed`: a Weyl sequence
 * (step `0x9e3779b9`) passed through the MurmurHash3 32-bit finaliser.
 */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 2 ** 32;
  };
}

/**
 * Returns `keep` distinct past positions drawn uniformly from `[0, pastLength)`, ascending
 * (a partial Fisher–Yates shuffle driven by `uniform`).
 */
export function randomPositions(pastLength: number, keep: number, uniform: () => number): Int32Array {
  const pool = Int32Array.from({ length: pastLength }, (_, j) => j);
  for (let i = 0; i < keep; i++) {
    const j = i + Math.floor(uniform() * (pastLength - i));
    const swap = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = swap;
  }
  return pool.slice(0, keep).sort();
}

/**
 * Creates the Random baseline: a uniformly random subset of `keep` past positions plus the
 * window, the same for every KV head (layout `"shared"`). Layer `l` draws from the seed
 * `seed ⊕ (l + 1) · 0x9e3779b9`, so layers differ and the result depends only on the seed
 * and the layer, never on the call order.
 *
 * @throws OptionsError listing every invalid option
 */
export function createRandom(options: RandomOptions = {}): LayerMethod {
  const name = "random";
  checkOptions("createRandom()", options, {
    ...budgetChecks,
    seed: (value) => integerFrom(0)(value) ?? ((value as number) < 2 ** 32 ? undefined : "expected an integer in [0, 2^32)"),
  });
  const resolved = resolveBudgetOptions(options);
  const seed = options.seed ?? 0;
  return layerMethod(name, (_session, layer, input) => {
    const prepared = prepareLayer(`${name}.compressLayer() layer ${layer}`, input, resolved.budget, resolved.window);
    const { capacity } = prepared;
    if (!capacity.compresses) return wholeLayerResult(name, layer, input, prepared, capacity.notes);
    const uniform = seededUniform((seed ^ Math.imul(layer + 1, 0x9e3779b9)) >>> 0);
    const past = randomPositions(capacity.pastLength, capacity.keep, uniform);
    const caches = buildHeadCaches(input, Array.from({ length: prepared.shape.kvHeads }, () => past), capacity.window, (g) => g);
    return compressedResult(name, layer, prepared, "shared", caches, [...capacity.notes, `Random: seed ${seed}, layer seed ${(seed ^ Math.imul(layer + 1, 0x9e3779b9)) >>> 0}`]);
  });
}
