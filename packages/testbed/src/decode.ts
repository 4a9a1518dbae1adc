import { linear, rmsNorm } from "./dense.js";
import type { TestbedModel } from "./model-weights.js";
import { finishLayer, projectAttention } from "./prefill.js";
import { ropeAngles, rotateHeads } from "./rope.js";
import { specialTokens } from "./vocabulary.js";

/** The kept cache of one cache head: rows `[kept, head_dim]` and their prompt positions. */
export interface CacheHead {
  readonly keys: { readonly data: Float32Array };
  readonly values: { readonly data: Float32Array };
  readonly positions: Int32Array;
}

/**
 * One layer's cache as a compression method returns it: query head `h` reads cache head
 * `floor(h / queryHeadsPerCacheHead)` (the shape of `MethodLayerResult` in @starkv/baselines).
 */
export interface LayerCache {
  readonly heads: readonly CacheHead[];
  readonly queryHeadsPerCacheHead: number;
}

/** The answer token's pointer scores over the patch positions left in the last layer's cache. */
export interface PointerScores {
  /** Prompt positions that can be pointed at, ascending. */
  readonly positions: Int32Array;
  /** Score of each of `positions`. */
  readonly scores: Float64Array;
  /** The highest-scoring position (ties to the lower position), or -1 when none is left. */
  readonly best: number;
}

/**
 * Feeds `<ans>` at `answerPosition` through every layer, reading each layer's (possibly
 * compressed) cache and attending to itself, and scores the result against the last
 * layer's cached keys. Pointer head `g` (one per KV head) reads the cache head that query
 * head `g · heads / kv_heads` reads. A position's score is the sum over pointer heads of
 * `q_g · k_g / sqrt(head_dim)`. When a head-adaptive cache keeps the position in only some
 * heads, the mean over those heads times `kv_heads` replaces the sum.
 *
 * @param isPatch tells which prompt positions are patch tokens (the only candidates)
 * @param onQueries receives each layer's `<ans>` queries `[heads, head_dim]` after RoPE
 * @throws RangeError when the caches do not match the model
 */
export function decodeAnswer(
  model: TestbedModel,
  caches: readonly LayerCache[],
  answerPosition: number,
  isPatch: (position: number) => boolean,
  onQueries?: (layer: number, queries: Float32Array) => void,
): PointerScores {
  const { d_model: d, heads, kv_heads: kv, head_dim: hd, norm_eps: eps } = model.config;
  if (caches.length !== model.layers.length) throw new RangeError(`decodeAnswer(): got ${caches.length} layer caches for a model of ${model.layers.length} layers; pass one cache per layer`);
  const position = new Int32Array([answerPosition, answerPosition, answerPosition]);
  const x = model.embed.slice(specialTokens.answer * d, (specialTokens.answer + 1) * d);
  const group = heads / kv;
  const scale = 1 / Math.sqrt(hd);
  caches.forEach((cache, layer) => {
    const weights = model.layers[layer]!;
    const expected = heads / cache.queryHeadsPerCacheHead;
    if (!Number.isInteger(expected) || cache.heads.length !== expected) {
      throw new RangeError(`decodeAnswer(): layer ${layer} has ${cache.heads.length} cache heads read by ${cache.queryHeadsPerCacheHead} query heads each; ${heads} query heads need ${expected}, so pass the caches the model's own prefill produced`);
    }
    const hidden = rmsNorm(x, 1, d, weights.attentionNorm, eps);
    const { q, k, v } = projectAttention(model, weights, hidden, 1, position);
    onQueries?.(layer, q);
    const out = new Float32Array(heads * hd);
    const sum64 = new Float64Array(hd);
    for (let h = 0; h < heads; h++) {
      const head = cache.heads[Math.floor(h / cache.queryHeadsPerCacheHead)]!;
      const g = Math.floor(h / group);
      const rows = head.positions.length;
      const scores = new Float64Array(rows + 1);
      let max = -Infinity;
      for (let r = 0; r <= rows; r++) {
        const keys = r < rows ? head.keys.data : k;
        const ko = r < rows ? r * hd : g * hd;
        let dot = 0;
        for (let i = 0; i < hd; i++) dot += q[h * hd + i]! * keys[ko + i]!;
        scores[r] = Math.fround(dot) * scale;
        if (scores[r]! > max) max = scores[r]!;
      }
      let total = 0;
      for (let r = 0; r <= rows; r++) {
        scores[r] = Math.exp(scores[r]! - max);
        total += scores[r]!;
      }
      sum64.fill(0);
      for (let r = 0; r <= rows; r++) {
        const values = r < rows ? head.values.data : v;
        const vo = r < rows ? r * hd : g * hd;
        const weight = scores[r]! / total;
        for (let i = 0; i < hd; i++) sum64[i] = sum64[i]! + weight * values[vo + i]!;
      }
      out.set(sum64, h * hd);
    }
    finishLayer(model, weights, x, 1, out);
  });

  const final = rmsNorm(x, 1, d, model.finalNorm, eps);
  const pointer = linear(final, 1, d, model.pointer, kv * hd);
  rotateHeads(pointer, 0, kv, hd, ropeAngles(model.config, position));
  const last = caches[caches.length - 1]!;
  const sums = new Map<number, { sum: number; count: number }>();
  for (let g = 0; g < kv; g++) {
    const head = last.heads[Math.floor((g * group) / last.queryHeadsPerCacheHead)]!;
    head.positions.forEach((p, r) => {
      if (!isPatch(p)) return;
      let dot = 0;
      for (let i = 0; i < hd; i++) dot += pointer[g * hd + i]! * head.keys.data[r * hd + i]!;
      const entry = sums.get(p) ?? { sum: 0, count: 0 };
      entry.sum += Math.fround(dot);
      entry.count++;
      sums.set(p, entry);
    });
  }
  const positions = Int32Array.from(sums.keys()).sort();
  const scores = new Float64Array(positions.length);
  let best = -1;
  let bestScore = -Infinity;
  positions.forEach((p, i) => {
    const { sum, count } = sums.get(p)!;
    const score = (sum / count) * kv * scale;
    scores[i] = score;
    if (score > bestScore) {
      bestScore = score;
      best = p;
    }
  });
  return { positions, scores, best };
}
