import type { StarKVOptions } from "@starkv/starkv";
import { type AdaKVOptions, createAdaKV } from "./ada-kv.js";
import { createFull, type FullOptions } from "./full.js";
import { createGuiKV, type GuiKVOptions } from "./guikv.js";
import { createH2O, type H2OOptions } from "./h2o.js";
import type { Method } from "./method.js";
import { createPyramidKV, type PyramidKVOptions } from "./pyramidkv.js";
import { createRandom, type RandomOptions } from "./random.js";
import { createSnapKV, type SnapKVOptions } from "./snapkv.js";
import { createStarKVMethod } from "./starkv-method.js";
import { createStreamingLLM, type StreamingLLMOptions } from "./streaming-llm.js";
import { createVLCache, type VLCacheOptions } from "./vl-cache.js";

/** The options each named method takes. */
export interface MethodOptionsByName {
  starkv: StarKVOptions;
  snapkv: SnapKVOptions;
  /** SnapKV with `width: "query-head"` fixed. */
  "snapkv-per-head": Omit<SnapKVOptions, "width" | "reduction">;
  guikv: GuiKVOptions;
  /** GUI-KV with `subspace: "principal"` fixed. */
  "guikv-subspace": Omit<GuiKVOptions, "subspace">;
  pyramidkv: PyramidKVOptions;
  adakv: AdaKVOptions;
  streamingllm: StreamingLLMOptions;
  h2o: H2OOptions;
  vlcache: VLCacheOptions;
  random: RandomOptions;
  full: FullOptions;
}

/** The name of a built-in method. */
export type MethodName = keyof MethodOptionsByName;

const factories: { readonly [Name in MethodName]: (options: MethodOptionsByName[Name]) => Method } = {
  starkv: (options) => createStarKVMethod(options),
  snapkv: (options) => createSnapKV(options, "snapkv"),
  "snapkv-per-head": (options) => {
    rejectFixed("snapkv-per-head", options, ["width", "reduction"]);
    return createSnapKV({ ...options, width: "query-head" }, "snapkv-per-head");
  },
  guikv: (options) => createGuiKV(options, "guikv"),
  "guikv-subspace": (options) => {
    rejectFixed("guikv-subspace", options, ["subspace"]);
    return createGuiKV({ ...options, subspace: "principal" }, "guikv-subspace");
  },
  pyramidkv: (options) => createPyramidKV(options),
  adakv: (options) => createAdaKV(options),
  streamingllm: (options) => createStreamingLLM(options),
  h2o: (options) => createH2O(options),
  vlcache: (options) => createVLCache(options),
  random: (options) => createRandom(options),
  full: (options) => createFull(options),
};

function rejectFixed(name: string, options: object, fixed: readonly string[]): void {
  const given = fixed.filter((key) => (options as Record<string, unknown>)[key] !== undefined);
  if (given.length > 0) {
    throw new TypeError(`createMethod("${name}"): option(s) ${given.join(", ")} are fixed by this preset; remove them or use the base method`);
  }
}

/** Returns the names of the built-in methods, in a fixed order. */
export function methodNames(): MethodName[] {
  return Object.keys(factories) as MethodName[];
}

/** Returns true when `name` is a built-in method. */
export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(factories, name);
}

/**
 * Creates a built-in method by name with its options. Omitted options take the method's
 * defaults (budget 20 % of the prompt, window 8, kernel 5, average pooling).
 *
 * @throws RangeError for an unknown name, listing the known ones
 * @throws OptionsError listing every invalid option
 */
export function createMethod<Name extends MethodName>(name: Name, options?: MethodOptionsByName[Name]): Method;
export function createMethod(name: string, options?: object): Method;
export function createMethod(name: string, options: object = {}): Method {
  if (!isMethodName(name)) throw new RangeError(`createMethod(): unknown method ${JSON.stringify(name)}; expected one of ${methodNames().join(", ")}`);
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`createMethod("${name}"): options is ${String(options)}; expected an options object`);
  }
  const factory: (options: object) => Method = factories[name];
  return factory(options);
}
