import { openSafetensors } from "@starkv/capture";
import type { Tensor } from "@starkv/core";
import { TestbedError } from "./errors.js";

/** Sizes of the testbed model, as `tools/testbed/model.py` writes them in the weights' metadata. */
export interface TestbedConfig {
  readonly vocab: number;
  readonly d_model: number;
  readonly layers: number;
  readonly heads: number;
  readonly kv_heads: number;
  readonly head_dim: number;
  readonly ffn: number;
  readonly patch: number;
  readonly rope_theta: number;
  readonly norm_eps: number;
}

/** One decoder layer's weights, in PyTorch's `[out, in]` layout. */
export interface LayerWeights {
  readonly attentionNorm: Float32Array;
  readonly q: Float32Array;
  readonly qBias: Float32Array;
  readonly k: Float32Array;
  readonly kBias: Float32Array;
  readonly v: Float32Array;
  readonly vBias: Float32Array;
  readonly o: Float32Array;
  readonly mlpNorm: Float32Array;
  readonly gate: Float32Array;
  readonly up: Float32Array;
  readonly down: Float32Array;
}

/** The testbed model: its config and weights. */
export interface TestbedModel {
  readonly config: TestbedConfig;
  /** `[vocab, d_model]`. */
  readonly embed: Float32Array;
  /** `[d_model, patch·patch·3]` and `[d_model]`. */
  readonly patch: Float32Array;
  readonly patchBias: Float32Array;
  readonly layers: readonly LayerWeights[];
  readonly finalNorm: Float32Array;
  /** `[kv_heads·head_dim, d_model]`. */
  readonly pointer: Float32Array;
  /** The training record stored with the weights (steps, stages, validation accuracy). */
  readonly training: Readonly<Record<string, unknown>>;
}

const configKeys = ["vocab", "d_model", "layers", "heads", "kv_heads", "head_dim", "ffn", "patch", "rope_theta", "norm_eps"] as const;

/**
 * Reads the testbed model from a safetensors file written by `tools/testbed/train.py`.
 *
 * @throws TestbedError naming the file and the missing or malformed entry; CaptureError
 *   when the file is not a readable safetensors file
 */
export function loadTestbedModel(path: string): TestbedModel {
  const file = openSafetensors(path);
  try {
    const raw = file.header.metadata.config;
    if (raw === undefined) throw new TestbedError(`loadTestbedModel(): ${path} has no "config" metadata; write the weights with tools/testbed/train.py`);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(raw) as Record<string, unknown>;
    } catch (error) {
      throw new TestbedError(`loadTestbedModel(): ${path} has a "config" metadata entry that is not JSON; write the weights with tools/testbed/train.py`, { cause: error });
    }
    const bad = configKeys.filter((key) => typeof parsed[key] !== "number");
    if (bad.length > 0) throw new TestbedError(`loadTestbedModel(): ${path} config lacks numeric ${bad.join(", ")}; write the weights with tools/testbed/train.py`);
    const config = parsed as unknown as TestbedConfig;
    const read = (name: string, size: number): Float32Array => {
      if (!file.header.tensors.has(name)) throw new TestbedError(`loadTestbedModel(): ${path} has no tensor "${name}"`);
      const tensor: Tensor = file.readTensor(name);
      if (tensor.data.length !== size) throw new TestbedError(`loadTestbedModel(): ${path} tensor "${name}" has ${tensor.data.length} values; expected ${size} for the config`);
      return tensor.data;
    };
    const { d_model: d, heads, kv_heads: kv, head_dim: hd, ffn, patch, vocab } = config;
    const layers = Array.from({ length: config.layers }, (_, l) => {
      const at = (name: string, size: number): Float32Array => read(`blocks.${l}.${name}`, size);
      return {
        attentionNorm: at("attention_norm.weight", d),
        q: at("q.weight", heads * hd * d),
        qBias: at("q.bias", heads * hd),
        k: at("k.weight", kv * hd * d),
        kBias: at("k.bias", kv * hd),
        v: at("v.weight", kv * hd * d),
        vBias: at("v.bias", kv * hd),
        o: at("o.weight", d * heads * hd),
        mlpNorm: at("mlp_norm.weight", d),
        gate: at("gate.weight", ffn * d),
        up: at("up.weight", ffn * d),
        down: at("down.weight", d * ffn),
      };
    });
    const training = file.header.metadata.training;
    return {
      config,
      embed: read("embed.weight", vocab * d),
      patch: read("patch.weight", d * patch * patch * 3),
      patchBias: read("patch.bias", d),
      layers,
      finalNorm: read("final_norm.weight", d),
      pointer: read("pointer.weight", kv * hd * d),
      training: training === undefined ? {} : (JSON.parse(training) as Record<string, unknown>),
    };
  } finally {
    file.close();
  }
}
