import type { ModelConfig } from "./model-config.js";
import { countParameters } from "./parameters.js";

/** One screenshot as the vision tower and the language model see it. */
export interface PlannedImage {
  /** Patches of 14 × 14 pixels after resizing (`(H/14)·(W/14)`). */
  readonly patches: number;
  /** Language-model tokens after the 2 × 2 merge. */
  readonly tokens: number;
}

/** The model, workload and settings of a plan. */
export interface PlanInput {
  readonly model: ModelConfig;
  readonly images: readonly PlannedImage[];
  /** Text tokens of the prompt besides the image tokens (markers included). */
  readonly textTokens: number;
  /** Kept tokens per layer after compression (window included). */
  readonly keptTokens: number;
  /** Bytes per stored value: 2 for bf16/f16 weights, activations and cache. */
  readonly bytesPerValue?: number;
  /** `"eager"` materialises the attention scores; `"flash"` keeps them in on-chip tiles. */
  readonly attention?: "eager" | "flash";
  /** `"all"` computes logits for every prompt position; `"last"` only for the last. */
  readonly logits?: "all" | "last";
  /** Cache width: `"kv-heads"` (the model's own GQA cache) or `"query-heads"` (the reference's Qwen2.5-VL patch). */
  readonly cacheWidth?: "kv-heads" | "query-heads";
}

/** One term of the memory model. */
export interface MemoryTerm {
  readonly name: string;
  readonly bytes: number;
  /** The formula of the bytes, with the numbers filled in. */
  readonly formula: string;
}

/** The memory model before and after compression. */
export interface MemoryPlan {
  readonly tokens: number;
  readonly keptTokens: number;
  readonly parameters: number;
  /** Every term, before compression, in the order they are shown. */
  readonly terms: readonly MemoryTerm[];
  /** Peak during the prefill without compression. */
  readonly prefillPeak: MemoryTerm;
  /** Peak during the prefill with compression right after each layer's attention. */
  readonly prefillPeakCompressed: MemoryTerm;
  /** Resident memory while decoding, without and with compression. */
  readonly decode: MemoryTerm;
  readonly decodeCompressed: MemoryTerm;
}

const fmt = (n: number): string => n.toLocaleString("en-US");

/**
 * Computes a parametric memory model of one prefill and the decode that follows.
 *
 * Terms: weights (parameters counted from the configuration); the KV cache at KV-head
 * and at query-head width; the attention working set of one layer (eager: `H·N²` scores
 * stored as bf16, upcast to f32 for the softmax and cast back, 8 bytes each; flash: no
 * `N²` buffer); logits for all positions or the last (bf16 plus an f32 upcast, 6 bytes
 * each); the MLP transient of one layer (gate, up and their product); the vision tower's
 * largest transient (its MLP over all patches, or eager full attention over the largest
 * image). The prefill peak is weights + cache + the largest transient, since the
 * transients live at different times. With compression each layer's cache is cut right
 * after its attention, so the prefill holds the compressed cache of every layer plus one
 * full layer.
 */
export function planMemory(input: PlanInput): MemoryPlan {
  const { model, images, textTokens, keptTokens } = input;
  const bytes = input.bytesPerValue ?? 2;
  const attention = input.attention ?? "flash";
  const logits = input.logits ?? "last";
  const width = input.cacheWidth ?? "kv-heads";
  const tokens = textTokens + images.reduce((total, image) => total + image.tokens, 0);
  const parameters = countParameters(model).total;
  const heads = width === "kv-heads" ? model.kvHeads : model.queryHeads;

  const weights: MemoryTerm = { name: "weights", bytes: parameters * bytes, formula: `${fmt(parameters)} parameters × ${bytes} B` };
  const kvAt = (count: number, h: number): number => 2 * model.layers * count * h * model.headDim * bytes;
  const kvNative: MemoryTerm = { name: "KV cache at KV-head width", bytes: kvAt(tokens, model.kvHeads), formula: `2 × ${model.layers} layers × ${fmt(tokens)} tokens × ${model.kvHeads} heads × ${model.headDim} × ${bytes} B` };
  const kvExpanded: MemoryTerm = { name: "KV cache at query-head width", bytes: kvAt(tokens, model.queryHeads), formula: `2 × ${model.layers} layers × ${fmt(tokens)} tokens × ${model.queryHeads} heads × ${model.headDim} × ${bytes} B` };
  const kvUsed = width === "kv-heads" ? kvNative : kvExpanded;
  const attentionSet: MemoryTerm =
    attention === "eager"
      ? { name: "attention working set (eager, one layer)", bytes: model.queryHeads * tokens * tokens * 8, formula: `${model.queryHeads} heads × ${fmt(tokens)}² scores × 8 B (bf16 + f32 softmax + bf16)` }
      : { name: "attention working set (flash, one layer)", bytes: 0, formula: "scores stay in on-chip tiles: no N² buffer" };
  const logitRows = logits === "all" ? tokens : 1;
  const logitTerm: MemoryTerm = { name: `logits (${logits === "all" ? "all positions" : "last position"})`, bytes: logitRows * model.vocab * 6, formula: `${fmt(logitRows)} × ${fmt(model.vocab)} vocab × 6 B (bf16 + f32)` };
  const mlp: MemoryTerm = { name: "MLP transient (one layer)", bytes: 3 * tokens * model.intermediate * bytes, formula: `3 × ${fmt(tokens)} tokens × ${fmt(model.intermediate)} × ${bytes} B` };
  const visionTerm = visionTransient(model, images, bytes, attention);

  const transients = [attentionSet, logitTerm, mlp, visionTerm];
  const largest = transients.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const keptPerLayer = Math.min(keptTokens, tokens);
  const kvCompressed = kvAt(keptPerLayer, heads);
  const kvDuringPrefill = (model.layers - 1) * (kvCompressed / model.layers) + kvUsed.bytes / model.layers;

  return {
    tokens,
    keptTokens: keptPerLayer,
    parameters,
    terms: [weights, kvNative, kvExpanded, attentionSet, logitTerm, mlp, visionTerm],
    prefillPeak: { name: "prefill peak", bytes: weights.bytes + kvUsed.bytes + largest.bytes, formula: `weights + ${kvUsed.name} + largest transient (${largest.name})` },
    prefillPeakCompressed: {
      name: "prefill peak, compressed",
      bytes: weights.bytes + kvDuringPrefill + largest.bytes,
      formula: `weights + compressed cache of ${model.layers - 1} layers + one full layer + largest transient (${largest.name})`,
    },
    decode: { name: "decode resident", bytes: weights.bytes + kvUsed.bytes, formula: `weights + ${kvUsed.name}` },
    decodeCompressed: {
      name: "decode resident, compressed",
      bytes: weights.bytes + kvCompressed,
      formula: `weights + 2 × ${model.layers} layers × ${fmt(keptPerLayer)} kept × ${heads} heads × ${model.headDim} × ${bytes} B`,
    },
  };
}

function visionTransient(model: ModelConfig, images: readonly PlannedImage[], bytes: number, attention: "eager" | "flash"): MemoryTerm {
  const vision = model.vision;
  if (vision === null) return { name: "vision tower transient", bytes: 0, formula: "the configuration has no vision tower" };
  if (images.length === 0) return { name: "vision tower transient", bytes: 0, formula: "no images" };
  const patches = images.reduce((total, image) => total + image.patches, 0);
  const largestImage = Math.max(...images.map((image) => image.patches));
  const mlpBytes = 3 * patches * vision.intermediate * bytes;
  const attentionBytes = attention === "eager" ? vision.heads * largestImage * largestImage * 8 : 0;
  if (attentionBytes > mlpBytes) {
    return { name: "vision tower transient (eager full attention)", bytes: attentionBytes, formula: `${vision.heads} heads × ${fmt(largestImage)}² patches × 8 B` };
  }
  return { name: "vision tower transient (MLP)", bytes: mlpBytes, formula: `3 × ${fmt(patches)} patches × ${fmt(vision.intermediate)} × ${bytes} B` };
}
