import { formatShape, type Tensor } from "@starkv/core";
import type { SafetensorsEntry } from "./safetensors-header.js";
import type { CaptureSidecar } from "./sidecar.js";

/** The tensors of one captured layer, all float32. */
export interface LayerTensors {
  /** `[queryHeads, window, headDim]`: queries of the last `window` tokens, after RoPE. */
  queries: Tensor;
  /** `[kvHeads, seqLen, headDim]`: keys after RoPE, at KV-head width. */
  keys: Tensor;
  /** `[kvHeads, seqLen, headDim]`. */
  values: Tensor;
  /**
   * `[seqLen]` L2 norms of the attention input (after the input RMSNorm) per token, or
   * `[seqLen, hidden]` the attention input itself. Every capture file has one of the
   * two, so `readLayer` always sets it; `writeCapture` requires it.
   */
  hidden?: Tensor;
  /** `[queryHeads, n, headDim]`: queries of `n` tokens after the prompt, after RoPE, when captured. */
  evalQueries?: Tensor;
}

/** Returns the safetensors names of one layer's tensors: `L{layer}.k`, `.v`, `.q_win`, `.h_norm`, `.h`, `.q_eval`. */
export function layerTensorNames(layer: number): { keys: string; values: string; queries: string; hiddenNorms: string; hidden: string; evalQueries: string } {
  const prefix = `L${layer}.`;
  return {
    keys: `${prefix}k`,
    values: `${prefix}v`,
    queries: `${prefix}q_win`,
    hiddenNorms: `${prefix}h_norm`,
    hidden: `${prefix}h`,
    evalQueries: `${prefix}q_eval`,
  };
}

function sameShape(actual: readonly number[], expected: readonly number[]): boolean {
  return actual.length === expected.length && actual.every((length, axis) => length === expected[axis]);
}

/**
 * Lists every way the tensors of a capture file disagree with its sidecar: a missing
 * tensor, a dtype other than F32, F16 or BF16, or a wrong shape. `evalQueries` may have
 * any positive number of tokens.
 *
 * @param find looks a tensor up by name (in a file header or in memory)
 */
export function captureTensorProblems(sidecar: CaptureSidecar, find: (name: string) => Pick<SafetensorsEntry, "dtype" | "shape"> | undefined): string[] {
  const { queryHeads, kvHeads, headDim, hidden } = sidecar.model;
  const { seqLen, window } = sidecar;
  const problems: string[] = [];

  const check = (name: string, expected: readonly number[], axes: string, required: boolean): boolean => {
    const entry = find(name);
    if (entry === undefined) {
      if (required) problems.push(`tensor "${name}" is missing; expected ${axes} = ${formatShape(expected)}`);
      return false;
    }
    if (entry.dtype !== "F32" && entry.dtype !== "F16" && entry.dtype !== "BF16") {
      problems.push(`tensor "${name}" has dtype ${entry.dtype}; a capture stores F32, F16 or BF16`);
    }
    if (!sameShape(entry.shape, expected)) {
      problems.push(`tensor "${name}" has shape ${formatShape(entry.shape)}; the sidecar needs ${axes} = ${formatShape(expected)}`);
    }
    return true;
  };

  for (const layer of sidecar.layers) {
    const names = layerTensorNames(layer);
    check(names.keys, [kvHeads, seqLen, headDim], "[kvHeads, seqLen, headDim]", true);
    check(names.values, [kvHeads, seqLen, headDim], "[kvHeads, seqLen, headDim]", true);
    check(names.queries, [queryHeads, window, headDim], "[queryHeads, window, headDim]", true);
    const hasNorms = check(names.hiddenNorms, [seqLen], "[seqLen]", false);
    const hasHidden = check(names.hidden, [seqLen, hidden], "[seqLen, hidden]", false);
    if (!hasNorms && !hasHidden) {
      problems.push(`layer ${layer} has neither "${names.hiddenNorms}" [seqLen] = [${seqLen}] nor "${names.hidden}" [seqLen, hidden] = [${seqLen}, ${hidden}]; one is required`);
    }
    const evalEntry = find(names.evalQueries);
    if (evalEntry !== undefined) {
      const tokens = evalEntry.shape[1] ?? 0;
      check(names.evalQueries, [queryHeads, Math.max(tokens, 1), headDim], "[queryHeads, n ≥ 1, headDim]", false);
    }
  }
  return problems;
}

/**
 * Reads one layer's tensors through `read`, taking the `[seqLen]` norms when the file has
 * them and the `[seqLen, hidden]` states otherwise, plus the held-out queries when present.
 *
 * @param has whether the file holds a tensor of that name
 */
export function readLayerTensors(layer: number, has: (name: string) => boolean, read: (name: string) => Tensor): LayerTensors {
  const names = layerTensorNames(layer);
  const tensors: LayerTensors = {
    queries: read(names.queries),
    keys: read(names.keys),
    values: read(names.values),
    hidden: read(has(names.hiddenNorms) ? names.hiddenNorms : names.hidden),
  };
  if (has(names.evalQueries)) tensors.evalQueries = read(names.evalQueries);
  return tensors;
}
