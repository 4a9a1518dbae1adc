import { type ModelConfig, modelPresets, type PlannedImage, planMemory } from "@starkv/memory";

/** The memory of one configuration, as the memory chart draws it. */
export interface MemoryBar {
  readonly label: string;
  readonly keptTokens: number;
  /** Bytes of the model's weights, the same in every bar. */
  readonly weights: number;
  /** Bytes of the KV cache while decoding. */
  readonly cache: number;
  /** Peak bytes during the prefill, weights included. */
  readonly prefillPeak: number;
  /** Resident bytes while decoding, weights included. */
  readonly decode: number;
}

/** Settings of the memory model the chart uses, stated in its caption. */
export const memorySettings = { attention: "flash", logits: "last", cacheWidth: "kv-heads", bytesPerValue: 2 } as const;

/** Returns the preset whose shape matches the model, or undefined when none does. */
export function presetFor(model: { readonly layers: number; readonly queryHeads: number; readonly kvHeads: number; readonly headDim: number; readonly name: string }): ModelConfig | undefined {
  const presets = Object.values(modelPresets);
  const byName = presets.find((preset) => preset.name.toLowerCase() === model.name.toLowerCase());
  if (byName !== undefined) return byName;
  return presets.find((preset) => preset.layers === model.layers && preset.queryHeads === model.queryHeads && preset.kvHeads === model.kvHeads && preset.headDim === model.headDim);
}

/**
 * Plans the memory of one prefill with `planMemory` for the uncompressed cache and for
 * each kept count: the weights, the KV cache while decoding, the prefill peak and the
 * decode-resident bytes.
 *
 * @param imageTokens language-model tokens of each screenshot; each merges `merge²` patches
 * @param kept one entry per bar after the first (uncompressed) bar
 * @throws RangeError when the screenshots hold more tokens than the prompt
 */
export function memoryBars(model: ModelConfig, seqLen: number, imageTokens: readonly number[], kept: readonly { readonly label: string; readonly keptTokens: number }[]): MemoryBar[] {
  const merge = model.vision?.merge ?? 2;
  const images: PlannedImage[] = imageTokens.map((tokens) => ({ tokens, patches: tokens * merge * merge }));
  const textTokens = seqLen - imageTokens.reduce((sum, tokens) => sum + tokens, 0);
  if (textTokens < 0) throw new RangeError(`memoryBars(): the screenshots hold ${seqLen - textTokens} tokens, more than the prompt's ${seqLen}`);
  const plan = (keptTokens: number): ReturnType<typeof planMemory> => planMemory({ model, images, textTokens, keptTokens, ...memorySettings });
  const full = plan(seqLen);
  const weights = full.terms.find((term) => term.name === "weights")?.bytes ?? 0;
  const bars: MemoryBar[] = [{ label: "no compression", keptTokens: seqLen, weights, cache: full.decode.bytes - weights, prefillPeak: full.prefillPeak.bytes, decode: full.decode.bytes }];
  for (const { label, keptTokens } of kept) {
    const compressed = plan(keptTokens);
    const decode = compressed.decodeCompressed.bytes;
    bars.push({ label, keptTokens: compressed.keptTokens, weights, cache: decode - weights, prefillPeak: compressed.prefillPeakCompressed.bytes, decode });
  }
  return bars;
}
