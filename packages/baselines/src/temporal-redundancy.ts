import type { ClippedSpan, Tensor } from "@starkv/core";
import { firstKeysBasis, principalKeysBasis, projectionResiduals } from "./key-subspace.js";

/**
 * The subspace of the current screenshot's keys that earlier keys are projected on.
 * `"first-keys"` is GUI-KV's own: the first `r` columns of an unpivoted QR of `K_curᵀ`,
 * which span the keys of the screenshot's first `r` tokens. `"principal"` is the top-`r`
 * singular subspace of `K_curᵀ`.
 */
export type KeySubspace = "first-keys" | "principal";

/** Settings of GUI-KV's temporal redundancy. */
export interface RedundancyOptions {
  /** `r` before `min(r, n, headDim)`; GUI-KV uses 32. */
  readonly rank: number;
  readonly subspace: KeySubspace;
  /** `β = C / T`: the kept share of the prompt; `floor((1 − β) · N_prev)` tokens are marked. */
  readonly keepRatio: number;
}

/** Earlier-screenshot tokens found redundant, per KV head. */
export interface RedundantTokens {
  /** `[kvHeads]` lists of positions, each ascending. */
  readonly positions: Int32Array[];
  /** `N_prev`, tokens of the earlier screenshots within the past positions. */
  readonly previousTokens: number;
}

/**
 * Finds the earlier-screenshot tokens that the current screenshot's keys already explain.
 * Per KV head, every key `k` of an earlier screenshot gets the residual `‖k − Q Qᵀ k‖₂`
 * against the basis `Q` of the current screenshot's keys (see `KeySubspace`). The
 * `floor((1 − β) · N_prev)` tokens with the smallest residual are marked, ties to the
 * lower position. With fewer than two screenshots nothing is marked.
 *
 * @param keys `[kvHeads, seqLen, headDim]` after RoPE
 * @param spans screenshots clipped to the past positions, oldest first; the last is current
 */
export function redundantTokens(keys: Tensor, spans: readonly ClippedSpan[], options: RedundancyOptions): RedundantTokens {
  const [kvHeads, seqLen, headDim] = keys.shape as [number, number, number];
  const current = spans.at(-1);
  if (current === undefined || spans.length < 2) {
    return { positions: Array.from({ length: kvHeads }, () => new Int32Array(0)), previousTokens: 0 };
  }
  const previous: number[] = [];
  for (const span of spans.slice(0, -1)) for (let j = span.start; j < span.end; j++) previous.push(j);
  const count = Math.floor((1 - options.keepRatio) * previous.length);
  const tokens = current.end - current.start;
  const rank = Math.min(options.rank, tokens, headDim);

  const positions: Int32Array[] = [];
  for (let g = 0; g < kvHeads; g++) {
    const currentKeys = rowsOf(keys.data, g * seqLen + current.start, tokens, headDim);
    const basis = options.subspace === "first-keys" ? firstKeysBasis(currentKeys, tokens, headDim, rank) : principalKeysBasis(currentKeys, tokens, headDim, rank);
    const previousKeys = new Float64Array(previous.length * headDim);
    previous.forEach((j, i) => previousKeys.set(keys.data.subarray((g * seqLen + j) * headDim, (g * seqLen + j + 1) * headDim), i * headDim));
    const residuals = projectionResiduals(previousKeys, previous.length, headDim, basis);
    const order = Array.from(previous.keys()).sort((a, b) => residuals[a]! - residuals[b]! || a - b);
    positions.push(Int32Array.from(order.slice(0, count), (i) => previous[i]!).sort());
  }
  return { positions, previousTokens: previous.length };
}

function rowsOf(data: Float32Array, firstRow: number, rows: number, width: number): Float64Array {
  return Float64Array.from(data.subarray(firstRow * width, (firstRow + rows) * width));
}
