/** The shape facts of a decoder-only vision-language model that its memory depends on. */
export interface ModelConfig {
  readonly name: string;
  /** Decoder layers. */
  readonly layers: number;
  readonly queryHeads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** Hidden size of the language model. */
  readonly hidden: number;
  /** MLP intermediate size (SwiGLU gate and up projections). */
  readonly intermediate: number;
  readonly vocab: number;
  /** True when the output head shares the embedding matrix. */
  readonly tiedEmbeddings: boolean;
  /** The vision tower, or null for a text-only model. */
  readonly vision: VisionConfig | null;
}

/** A ViT vision tower with a patch merger, as in Qwen2.5-VL. */
export interface VisionConfig {
  readonly depth: number;
  readonly hidden: number;
  readonly intermediate: number;
  readonly heads: number;
  /** Pixels per patch side. */
  readonly patch: number;
  /** Patches merged per side into one language-model token. */
  readonly merge: number;
  /** Frames per temporal patch (2 for Qwen2.5-VL). */
  readonly temporalPatch: number;
}

const qwen25Vision: VisionConfig = { depth: 32, hidden: 1280, intermediate: 3420, heads: 16, patch: 14, merge: 2, temporalPatch: 2 };

/**
 * Configurations of the models STaR-KV targets, from their published `config.json`
 * files (Qwen2.5-VL 3B / 7B / 32B; UI-TARS-1.5-7B and OpenCUA-7B share the 7B shapes).
 */
export const modelPresets: Readonly<Record<string, ModelConfig>> = Object.freeze({
  "qwen2.5-vl-3b": { name: "Qwen2.5-VL-3B", layers: 36, queryHeads: 16, kvHeads: 2, headDim: 128, hidden: 2048, intermediate: 11008, vocab: 151936, tiedEmbeddings: true, vision: qwen25Vision },
  "ui-tars-1.5-7b": { name: "UI-TARS-1.5-7B", layers: 28, queryHeads: 28, kvHeads: 4, headDim: 128, hidden: 3584, intermediate: 18944, vocab: 152064, tiedEmbeddings: false, vision: qwen25Vision },
  "qwen2.5-vl-32b": { name: "Qwen2.5-VL-32B", layers: 64, queryHeads: 40, kvHeads: 8, headDim: 128, hidden: 5120, intermediate: 27648, vocab: 152064, tiedEmbeddings: false, vision: qwen25Vision },
  "opencua-7b": { name: "OpenCUA-7B", layers: 28, queryHeads: 28, kvHeads: 4, headDim: 128, hidden: 3584, intermediate: 18944, vocab: 152064, tiedEmbeddings: false, vision: qwen25Vision },
});

const integerFields = ["layers", "queryHeads", "kvHeads", "headDim", "hidden", "intermediate", "vocab"] as const;
const visionFields = ["depth", "hidden", "intermediate", "heads", "patch", "merge", "temporalPatch"] as const;

/**
 * Checks a model configuration read from JSON and lists every problem at once.
 *
 * @throws TypeError naming each missing or invalid field
 */
export function parseModelConfig(json: unknown, source: string): ModelConfig {
  const problems: string[] = [];
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new TypeError(`${source}: expected a JSON object with the model's shape fields`);
  const record = json as Record<string, unknown>;
  if (typeof record["name"] !== "string") problems.push("name must be a string");
  for (const field of integerFields) {
    const value = record[field];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) problems.push(`${field} is ${JSON.stringify(value) ?? "missing"}; expected a positive integer`);
  }
  if (typeof record["queryHeads"] === "number" && typeof record["kvHeads"] === "number" && record["queryHeads"] % record["kvHeads"] !== 0) {
    problems.push(`queryHeads ${record["queryHeads"]} is not a multiple of kvHeads ${record["kvHeads"]}`);
  }
  if (record["tiedEmbeddings"] !== undefined && typeof record["tiedEmbeddings"] !== "boolean") problems.push("tiedEmbeddings must be true or false");
  const vision = record["vision"];
  if (vision !== undefined && vision !== null) {
    if (typeof vision !== "object" || Array.isArray(vision)) problems.push("vision must be an object or null");
    else {
      for (const field of visionFields) {
        const value = (vision as Record<string, unknown>)[field];
        if (typeof value !== "number" || !Number.isInteger(value) || value < 1) problems.push(`vision.${field} is ${JSON.stringify(value) ?? "missing"}; expected a positive integer`);
      }
    }
  }
  if (problems.length > 0) throw new TypeError(`${source}: invalid model configuration:\n  - ${problems.join("\n  - ")}`);
  return {
    ...(record as unknown as ModelConfig),
    tiedEmbeddings: record["tiedEmbeddings"] === true,
    vision: (vision ?? null) as VisionConfig | null,
  };
}
