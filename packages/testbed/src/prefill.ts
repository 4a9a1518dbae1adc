import { type LayerInput, tensor } from "@starkv/core";
import { linear, rmsNorm, silu } from "./dense.js";
import type { LayerWeights, TestbedModel } from "./model-weights.js";
import type { Prompt } from "./prompt.js";
import { ropeAngles, rotateHeads } from "./rope.js";

/**
 * Embeds a prompt: `[T, d_model]`, text tokens from the table and patch tokens through
 * the patch projection.
 */
export function embedPrompt(model: TestbedModel, prompt: Prompt): Float32Array {
  const { d_model: d, patch } = model.config;
  const size = patch * patch * 3;
  const length = prompt.tokens.length;
  const patchCount = prompt.patches.length / size;
  const projected = linear(prompt.patches, patchCount, size, model.patch, d, model.patchBias);
  const x = new Float32Array(length * d);
  for (let t = 0; t < length; t++) {
    const index = prompt.patchOf[t]!;
    if (index >= 0) x.set(projected.subarray(index * d, (index + 1) * d), t * d);
    else x.set(model.embed.subarray(prompt.tokens[t]! * d, (prompt.tokens[t]! + 1) * d), t * d);
  }
  return x;
}

/** Queries, keys and values of `rows` tokens after RoPE, `[rows, heads·head_dim]` and `[rows, kv_heads·head_dim]`. */
export function projectAttention(model: TestbedModel, weights: LayerWeights, hidden: Float32Array, rows: number, positions: Int32Array): { q: Float32Array; k: Float32Array; v: Float32Array } {
  const { d_model: d, heads, kv_heads: kv, head_dim: hd } = model.config;
  const q = linear(hidden, rows, d, weights.q, heads * hd, weights.qBias);
  const k = linear(hidden, rows, d, weights.k, kv * hd, weights.kBias);
  const v = linear(hidden, rows, d, weights.v, kv * hd, weights.vBias);
  for (let t = 0; t < rows; t++) {
    const angles = ropeAngles(model.config, positions.subarray(t * 3, t * 3 + 3));
    rotateHeads(q, t * heads * hd, heads, hd, angles);
    rotateHeads(k, t * kv * hd, kv, hd, angles);
  }
  return { q, k, v };
}

/** Adds the attention output projection and the SwiGLU MLP to the residual stream `x` `[rows, d_model]` in place. */
export function finishLayer(model: TestbedModel, weights: LayerWeights, x: Float32Array, rows: number, attention: Float32Array): void {
  const { d_model: d, heads, head_dim: hd, ffn, norm_eps: eps } = model.config;
  const projected = linear(attention, rows, heads * hd, weights.o, d);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + projected[i]!;
  const mlpIn = rmsNorm(x, rows, d, weights.mlpNorm, eps);
  const gate = linear(mlpIn, rows, d, weights.gate, ffn);
  const up = linear(mlpIn, rows, d, weights.up, ffn);
  for (let i = 0; i < gate.length; i++) gate[i] = Math.fround(silu(gate[i]!)) * up[i]!;
  const down = linear(gate, rows, ffn, weights.down, d);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + down[i]!;
}

/** Computes causal attention of every token over the ones before it: `[T, heads·head_dim]`. */
function causalAttention(model: TestbedModel, q: Float32Array, k: Float32Array, v: Float32Array, length: number): Float32Array {
  const { heads, kv_heads: kv, head_dim: hd } = model.config;
  const group = heads / kv;
  const out = new Float32Array(length * heads * hd);
  const scores = new Float64Array(length);
  const sum64 = new Float64Array(hd);
  const scale = 1 / Math.sqrt(hd);
  for (let h = 0; h < heads; h++) {
    const g = Math.floor(h / group);
    for (let t = 0; t < length; t++) {
      const qo = (t * heads + h) * hd;
      let max = -Infinity;
      for (let s = 0; s <= t; s++) {
        const ko = (s * kv + g) * hd;
        let dot = 0;
        for (let i = 0; i < hd; i++) dot += q[qo + i]! * k[ko + i]!;
        scores[s] = Math.fround(dot) * scale;
        if (scores[s]! > max) max = scores[s]!;
      }
      let sum = 0;
      for (let s = 0; s <= t; s++) {
        scores[s] = Math.exp(scores[s]! - max);
        sum += scores[s]!;
      }
      sum64.fill(0);
      for (let s = 0; s <= t; s++) {
        const weight = scores[s]! / sum;
        const vo = (s * kv + g) * hd;
        for (let i = 0; i < hd; i++) sum64[i] = sum64[i]! + weight * v[vo + i]!;
      }
      out.set(sum64, qo);
    }
  }
  return out;
}

/** Rearranges `[T, kvHeads·headDim]` into `[kvHeads, T, headDim]`. */
function byHead(x: Float32Array, length: number, kvHeads: number, headDim: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let t = 0; t < length; t++) {
    for (let g = 0; g < kvHeads; g++) out.set(x.subarray((t * kvHeads + g) * headDim, (t * kvHeads + g + 1) * headDim), (g * length + t) * headDim);
  }
  return out;
}

/**
 * Runs the prompt through every layer with the full cache and returns, per layer, what a
 * compression method reads: the last `window` queries `[heads, window, head_dim]`, keys
 * and values `[kv_heads, T, head_dim]` after RoPE, the attention input after its RMSNorm
 * `[T, d_model]` and the screenshot spans.
 *
 * @throws RangeError when the prompt is shorter than the window
 */
export function prefill(model: TestbedModel, prompt: Prompt, window: number): LayerInput[] {
  const { d_model: d, heads, kv_heads: kv, head_dim: hd, norm_eps: eps } = model.config;
  const length = prompt.tokens.length;
  if (!Number.isInteger(window) || window < 1 || window > length) throw new RangeError(`prefill(): window is ${window}; expected an integer in [1, ${length}] (the prompt's length)`);
  const x = embedPrompt(model, prompt);
  const layers: LayerInput[] = [];
  for (const weights of model.layers) {
    const hidden = rmsNorm(x, length, d, weights.attentionNorm, eps);
    const { q, k, v } = projectAttention(model, weights, hidden, length, prompt.positions);
    const queries = new Float32Array(heads * window * hd);
    for (let h = 0; h < heads; h++) {
      for (let w = 0; w < window; w++) queries.set(q.subarray(((length - window + w) * heads + h) * hd, ((length - window + w) * heads + h + 1) * hd), (h * window + w) * hd);
    }
    layers.push({
      queries: tensor(queries, [heads, window, hd]),
      keys: tensor(byHead(k, length, kv, hd), [kv, length, hd]),
      values: tensor(byHead(v, length, kv, hd), [kv, length, hd]),
      hidden: tensor(hidden, [length, d]),
      spans: prompt.spans,
    });
    finishLayer(model, weights, x, length, causalAttention(model, q, k, v, length));
  }
  return layers;
}
