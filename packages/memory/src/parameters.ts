import type { ModelConfig, VisionConfig } from "./model-config.js";

/** Parameter counts of a model, by part. */
export interface ParameterCount {
  readonly embedding: number;
  readonly decoder: number;
  readonly outputHead: number;
  readonly vision: number;
  readonly total: number;
}

/**
 * Counts the parameters of a Qwen2-style decoder: per layer the query, key and value
 * projections with biases, the output projection, the SwiGLU MLP (gate, up, down) and
 * two RMSNorm weights; plus the embedding, the final norm and an untied output head.
 */
export function countParameters(model: ModelConfig): ParameterCount {
  const { hidden, kvHeads, headDim, intermediate, vocab, layers } = model;
  const kvWidth = kvHeads * headDim;
  const attention = hidden * hidden + hidden + 2 * (hidden * kvWidth + kvWidth) + hidden * hidden;
  const mlp = 3 * hidden * intermediate;
  const perLayer = attention + mlp + 2 * hidden;
  const embedding = vocab * hidden;
  const decoder = layers * perLayer + hidden;
  const outputHead = model.tiedEmbeddings ? 0 : vocab * hidden;
  const vision = model.vision === null ? 0 : countVisionParameters(model.vision, hidden);
  return { embedding, decoder, outputHead, vision, total: embedding + decoder + outputHead + vision };
}

/**
 * Counts a Qwen2.5-VL vision tower: the 3-D patch embedding, `depth` blocks of attention
 * (fused QKV with bias, output projection) and a SwiGLU MLP with two RMSNorms, then the
 * patch merger (norm, two linear layers from `merge²·hidden` to the language hidden size).
 */
export function countVisionParameters(vision: VisionConfig, languageHidden: number): number {
  const { hidden, intermediate, depth, patch, merge, temporalPatch } = vision;
  const patchEmbed = 3 * temporalPatch * patch * patch * hidden;
  const block = 3 * hidden * hidden + 3 * hidden + hidden * hidden + hidden + 3 * hidden * intermediate + 2 * intermediate + hidden + 2 * hidden;
  const mergedWidth = merge * merge * hidden;
  const merger = hidden + mergedWidth * mergedWidth + mergedWidth + mergedWidth * languageHidden + languageHidden;
  return patchEmbed + depth * block + merger;
}
