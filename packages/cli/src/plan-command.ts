import { readFileSync } from "node:fs";
import { imageGrid } from "@starkv/capture";
import { capacityFor } from "@starkv/core";
import { type MemoryTerm, type ModelConfig, modelPresets, parseModelConfig, planMemory } from "@starkv/memory";
import { numberOption, parseCommandArgs } from "./args.js";
import { formatBytes, table } from "./format.js";
import { UsageError } from "./usage-error.js";

/** Parses `--screens 5x1920x1080` (count × width × height, comma-separated groups allowed). */
export function parseScreens(value: string): { count: number; width: number; height: number }[] {
  return value.split(",").map((group) => {
    const match = /^(\d+)x(\d+)x(\d+)$/.exec(group.trim());
    if (match === null) throw new UsageError(`plan: --screens ${JSON.stringify(value)} is invalid; expected COUNTxWIDTHxHEIGHT, for example 5x1920x1080 (groups separated by commas)`);
    const [count, width, height] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (count < 1 || width < 1 || height < 1) throw new UsageError(`plan: --screens group ${group} has a zero; count, width and height must be at least 1`);
    return { count, width, height };
  });
}

function loadModel(preset: string | undefined, configFile: string | undefined): ModelConfig {
  if (configFile !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(configFile, "utf8"));
    } catch (error) {
      throw new UsageError(`plan: cannot read --config ${configFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      return parseModelConfig(json, configFile);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  }
  const name = (preset ?? "ui-tars-1.5-7b").toLowerCase();
  const model = modelPresets[name];
  if (model === undefined) throw new UsageError(`plan: unknown model ${JSON.stringify(preset)}; presets: ${Object.keys(modelPresets).join(", ")}, or --config FILE`);
  return model;
}

/**
 * `starkv plan --model ui-tars-1.5-7b --screens 5x1920x1080 --budget 20`: prints the
 * parametric memory model before and after compression, every term shown.
 */
export function planCommand(args: readonly string[], print: (line: string) => void): number {
  const { values, positionals } = parseCommandArgs("plan", args, {
    model: { type: "string" },
    config: { type: "string" },
    screens: { type: "string", default: "5x1920x1080" },
    "text-tokens": { type: "string" },
    budget: { type: "string" },
    "max-pixels": { type: "string" },
    attention: { type: "string", default: "eager" },
    logits: { type: "string", default: "all" },
    json: { type: "boolean", default: false },
  });
  if (positionals.length > 0) throw new UsageError(`plan takes no positional arguments, got ${positionals.join(" ")}`);
  if (values.model !== undefined && values.config !== undefined) throw new UsageError("plan: give --model or --config, not both");
  const model = loadModel(values.model, values.config);
  const textTokens = numberOption("plan", "text-tokens", values["text-tokens"], 600, 0, 1e9, true);
  const percent = numberOption("plan", "budget", values.budget, 20, Number.MIN_VALUE, 100);
  const maxPixels = values["max-pixels"] === undefined ? undefined : numberOption("plan", "max-pixels", values["max-pixels"], 0, 3136, 1e10, true);
  if (values.attention !== "eager" && values.attention !== "flash") throw new UsageError(`plan: --attention ${values.attention} is invalid; expected eager or flash`);
  if (values.logits !== "all" && values.logits !== "last") throw new UsageError(`plan: --logits ${values.logits} is invalid; expected all or last`);

  const images = parseScreens(values.screens).flatMap(({ count, width, height }) => {
    const layout = imageGrid(height, width, maxPixels === undefined ? {} : { maxPixels });
    const [resizedWidth, resizedHeight] = layout.resized;
    return Array.from({ length: count }, () => ({ patches: (resizedWidth / 14) * (resizedHeight / 14), tokens: layout.tokens }));
  });
  const tokens = textTokens + images.reduce((sum, image) => sum + image.tokens, 0);
  const keptTokens = Math.min(tokens, capacityFor(tokens, { percent }, 8));
  const common = { model, images, textTokens, keptTokens, attention: values.attention, logits: values.logits } as const;
  const native = planMemory({ ...common, cacheWidth: "kv-heads" });
  const expanded = planMemory({ ...common, cacheWidth: "query-heads" });

  if (values.json) {
    print(JSON.stringify({ model: model.name, tokens, keptTokens, budget: percent, kvHeadWidth: native, queryHeadWidth: expanded }, null, 1));
    return 0;
  }
  const row = (term: MemoryTerm): string[] => [term.name, formatBytes(term.bytes), term.formula];
  print(`${model.name}: ${images.length} screenshot(s) of ${images[0]?.tokens ?? 0} tokens + ${textTokens} text tokens = ${tokens.toLocaleString("en-US")} tokens; budget ${percent} % keeps ${keptTokens.toLocaleString("en-US")} per layer`);
  print(`attention ${values.attention}, logits for ${values.logits === "all" ? "all positions" : "the last position"}, bf16`);
  print("");
  for (const line of table(["term", "bytes", "how"], native.terms.map(row))) print(line);
  print("");
  const summary = [
    ["", "without compression", "with compression"],
    ["prefill peak, cache at KV-head width", formatBytes(native.prefillPeak.bytes), formatBytes(native.prefillPeakCompressed.bytes)],
    ["decode resident, cache at KV-head width", formatBytes(native.decode.bytes), formatBytes(native.decodeCompressed.bytes)],
    ["prefill peak, cache at query-head width (reference)", formatBytes(expanded.prefillPeak.bytes), formatBytes(expanded.prefillPeakCompressed.bytes)],
    ["decode resident, cache at query-head width (reference)", formatBytes(expanded.decode.bytes), formatBytes(expanded.decodeCompressed.bytes)],
  ];
  for (const line of table(summary[0]!, summary.slice(1))) print(line);
  print("");
  print(`peak = ${native.prefillPeak.formula}`);
  print(`compressed peak = ${native.prefillPeakCompressed.formula}`);
  print("The vision tower's activations are freed before the language model's prefill; its largest transient is one of the terms above.");
  return 0;
}
