import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type CaptureSidecar, writeCapture } from "@starkv/capture";
import { hiddenNorms, tensor } from "@starkv/core";
import { loadAgentNetBenchEpisode } from "@starkv/trajectory/node";
import { decodeAnswer } from "./decode.js";
import { fullCache } from "./full-cache.js";
import type { TestbedModel } from "./model-weights.js";
import { decodePngScreen } from "./png.js";
import { prefill } from "./prefill.js";
import { buildPrompt } from "./prompt.js";
import { fitGrid, resizeArea } from "./resize.js";
import { tokenize } from "./vocabulary.js";

/** Options of `captureAgentNetBench`. */
export interface RealCaptureOptions {
  /** Patches per screenshot at most (default 144, as in training). */
  readonly maxPatches?: number;
  /** Previous screenshots in each step's prompt (default 4, as UI-TARS on AgentNetBench). */
  readonly historyImages?: number;
  readonly window?: number;
  /** Stored dtype (default F16). */
  readonly dtype?: "F32" | "F16" | "BF16";
}

/**
 * Runs the testbed model on a real AgentNetBench trajectory and writes one capture per
 * step, `step-NN.safetensors` and `step-NN.json` in `outDir`: every layer's keys, values,
 * window queries, hidden-state norms and, as held-out queries, the queries of the `<ans>`
 * token decoded on the full cache; with the real screenshots' sizes and target boxes.
 * Each prompt holds up to `historyImages` previous screenshots and the current one,
 * resized to at most `maxPatches` patches, then the step's instruction (words the
 * testbed vocabulary lacks become `<unk>`).
 *
 * @returns the written capture paths, in step order
 */
export function captureAgentNetBench(model: TestbedModel, dir: string, id: string, outDir: string, options: RealCaptureOptions = {}): string[] {
  const maxPatches = options.maxPatches ?? 144;
  const window = options.window ?? 8;
  const episode = loadAgentNetBenchEpisode(dir, id, { historyImages: options.historyImages ?? 4 });
  const { patch, layers, heads, kv_heads: kvHeads, head_dim: headDim, d_model: hidden } = model.config;
  const screens = new Map<string, ReturnType<typeof resizeArea>>();
  const written: string[] = [];
  for (const layout of episode.steps) {
    const images = layout.images.map((image) => {
      let screen = screens.get(image.file);
      const original = image.size ?? [0, 0];
      const [rows, columns] = fitGrid(original[0], original[1], maxPatches);
      if (screen === undefined) {
        const decoded = decodePngScreen(readFileSync(join(episode.imageDir, image.file)), image.file);
        screen = resizeArea(decoded, columns * patch, rows * patch);
        screens.set(image.file, screen);
      }
      return { image, screen, grid: [rows, columns] as [number, number] };
    });
    const instruction = tokenize(episode.trajectory.steps[layout.step]!.instruction);
    const prompt = buildPrompt(images.map((entry) => entry.screen), instruction, patch);
    const inputs = prefill(model, prompt, window);
    // The held-out queries are the ones decoding reads with: those of `<ans>` on the full cache.
    const answerQueries: Float32Array[] = [];
    decodeAnswer(model, inputs.map(fullCache), prompt.answerPosition, (p) => prompt.patchOf[p]! >= 0, (layer, queries) => (answerQueries[layer] = queries));
    const sidecar: CaptureSidecar = {
      format: "starkv-capture/1",
      model: { name: "starkv-testbed", layers, queryHeads: heads, kvHeads, headDim, hidden, rope: "mrope" },
      layers: inputs.map((_, layer) => layer),
      window,
      seqLen: prompt.tokens.length,
      images: images.map(({ image, screen, grid }, i) => ({
        step: image.step,
        span: [prompt.spans[i]!.start, prompt.spans[i]!.end],
        grid,
        ...(image.size === undefined ? {} : { size: [image.size[0], image.size[1]] as [number, number] }),
        resized: [screen.width, screen.height],
        ...(image.targets === undefined ? {} : { targets: image.targets.map((box) => [...box] as [number, number, number, number]) }),
      })),
    };
    const tensors = new Map(
      inputs.map((input, layer) => {
        const norms = Float32Array.from(hiddenNorms(input.hidden!, 0, prompt.tokens.length));
        const evalQueries = tensor(answerQueries[layer]!, [heads, 1, headDim]);
        return [layer, { queries: input.queries, keys: input.keys, values: input.values, hidden: tensor(norms, [norms.length]), evalQueries }] as const;
      }),
    );
    const path = join(outDir, `step-${String(layout.step).padStart(2, "0")}`);
    writeCapture(path, sidecar, tensors, { dtype: options.dtype ?? "F16", extraFields: { source: `AgentNetBench ${id}, step ${layout.step}: the starkv testbed model on the real screenshots` } });
    written.push(`${path}.safetensors`);
  }
  return written;
}
