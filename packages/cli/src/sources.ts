import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { boxTokens, openCapture } from "@starkv/capture";
import type { LayerInput, Tensor } from "@starkv/core";
import { syntheticLayer, uiTarsShape } from "@starkv/trajectory";
import { defaultEpisodeId, loadAgentNetBenchEpisode } from "@starkv/trajectory/node";
import { UsageError } from "./usage-error.js";

/** A screenshot of one step, as the reports show it. */
export interface StepImage {
  readonly label: string;
  readonly span: readonly [number, number];
  readonly grid: readonly [number, number];
  /** Positions covered by target boxes, when the source has them. */
  readonly targetTokens?: Int32Array;
}

/** One prefill to compress: its layout and a reader for each captured layer. */
export interface Step {
  readonly name: string;
  readonly seqLen: number;
  readonly layers: readonly number[];
  readonly images: readonly StepImage[];
  readonly kvHeads: number;
  readonly headDim: number;
  /** Decoder layers of the model (the captured layers may be a subset). */
  readonly modelLayers: number;
  /** Query rows captured for the observation window. */
  readonly window: number;
  /** True when the tensors are generated, not captured from a model. */
  readonly synthetic: boolean;
  /** Reads one layer; `evalQueries` `[heads, n, headDim]` are held-out queries when the source has them. */
  readLayer(layer: number): LayerInput & { readonly evalQueries?: Tensor };
  close(): void;
}

/** Layers of the embedded default, as a capture of a 28-layer model would pick them. */
export const embeddedLayers: readonly number[] = [0, 7, 14, 27];
/** Seed of the embedded default's synthetic tensors. */
export const embeddedSeed = 2606;

/** Folder of the shipped AgentNetBench sample, found from this file in `src/` or `dist/`. */
export function agentNetBenchDir(): string {
  return fileURLToPath(new URL("../../../fixtures/gui/agentnetbench", import.meta.url));
}

/** Folder of the embedded default's captures, found from this file in `src/` or `dist/`. */
export function embeddedCaptureDir(): string {
  return fileURLToPath(new URL("../../../fixtures/testbed-captures/s_7f27a11115e596eb", import.meta.url));
}

/** Name of the embedded default in reports. */
export const embeddedName = "embedded default: AgentNetBench s_7f27a11115e596eb (Spotify), the starkv testbed model on the real screenshots";
/** Name of the synthetic source in reports. */
export const syntheticName = "synthetic: AgentNetBench s_7f27a11115e596eb (Spotify), UI-TARS-1.5-7B layout, synthetic tensors";

/**
 * The embedded default: real captures of the starkv testbed model (4 layers, 8 query
 * over 2 KV heads) on the 11 real screenshots of the AgentNetBench Spotify trajectory,
 * one capture per step with up to four previous screenshots, written by
 * `starkv testbed-capture`.
 */
export function embeddedSteps(): Step[] {
  const [episode] = trajectoryEpisodes(embeddedCaptureDir());
  return episode!.captures.map(captureStep);
}

/**
 * The synthetic source (`--synthetic`): the AgentNetBench Spotify trajectory (real
 * screenshots, real target boxes) laid out as UI-TARS-1.5-7B reads it, with seeded
 * synthetic tensors for layers 0, 7, 14 and 27.
 */
export function syntheticSteps(): Step[] {
  const episode = loadAgentNetBenchEpisode(agentNetBenchDir(), defaultEpisodeId);
  return episode.steps.map((layout) => ({
    name: layout.images.at(-1)!.file,
    seqLen: layout.seqLen,
    layers: embeddedLayers,
    images: layout.images.map((image) => ({ label: image.file, span: image.span, grid: image.grid, targetTokens: image.targetTokens })),
    kvHeads: uiTarsShape.kvHeads,
    headDim: uiTarsShape.headDim,
    modelLayers: 28,
    window: uiTarsShape.window,
    synthetic: true,
    readLayer: (layer) => {
      const tensors = syntheticLayer(layout, uiTarsShape, layer, 28, embeddedSeed);
      return { ...tensors, spans: layout.images.map((image) => ({ start: image.span[0], end: image.span[1], grid: image.grid })) };
    },
    close: () => undefined,
  }));
}

/** Opens one capture as a step. */
export function captureStep(path: string): Step {
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory() === true) {
    throw new UsageError(`${path} is a folder; pass one capture (NAME.safetensors or NAME.json), or --trajectory ${path} for a folder of captures`);
  }
  const capture = openCapture(path);
  const { sidecar } = capture;
  const images: StepImage[] = sidecar.images.map((image, i) => {
    const targets = image.targets ?? [];
    const size = image.size;
    if (targets.length > 0 && size === undefined) {
      capture.close();
      throw new UsageError(`${capture.sidecarPath}: images[${i}] has targets but no size; target boxes are in pixels of the original screenshot, so add "size": [width, height]`);
    }
    let targetTokens: Int32Array | undefined;
    if (targets.length > 0 && size !== undefined) {
      try {
        targetTokens = Int32Array.from(new Set(targets.flatMap((box) => Array.from(boxTokens(box, size, image.grid, image.span[0]))))).sort();
      } catch (error) {
        capture.close();
        throw new UsageError(`${capture.sidecarPath}: images[${i}].targets: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { label: `image ${i} (step ${image.step})`, span: image.span, grid: image.grid, ...(targetTokens === undefined ? {} : { targetTokens }) };
  });
  return {
    name: basename(capture.path),
    seqLen: sidecar.seqLen,
    layers: capture.layers,
    images,
    kvHeads: sidecar.model.kvHeads,
    headDim: sidecar.model.headDim,
    modelLayers: sidecar.model.layers,
    window: sidecar.window,
    synthetic: false,
    readLayer: (layer) => {
      const tensors = capture.readLayer(layer);
      return {
        queries: tensors.queries,
        keys: tensors.keys,
        values: tensors.values,
        ...(tensors.hidden === undefined ? {} : { hidden: tensors.hidden }),
        ...(tensors.evalQueries === undefined ? {} : { evalQueries: tensors.evalQueries }),
        spans: sidecar.images.map((image) => ({ start: image.span[0], end: image.span[1], grid: image.grid })),
      };
    },
    close: () => capture.close(),
  };
}

/** Sorts names by the numbers in them, so `step2` comes before `step10`. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/**
 * Lists the episodes of a trajectory folder: its own captures (`*.json` sidecars) form
 * one episode in step order; each subfolder with captures is another episode.
 *
 * @throws UsageError when the folder contains no capture
 */
export function trajectoryEpisodes(dir: string): { name: string; captures: string[] }[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`compress: --trajectory ${dir} is not a folder; pass a folder of captures (NAME.safetensors + NAME.json), one per step`);
  // A capture is a sidecar with its tensors beside it; other JSON files are not steps.
  const listCaptures = (folder: string): string[] =>
    readdirSync(folder)
      .filter((name) => name.endsWith(".json") && existsSync(join(folder, `${name.slice(0, -".json".length)}.safetensors`)))
      .sort(naturalCompare)
      .map((name) => join(folder, name));
  const episodes: { name: string; captures: string[] }[] = [];
  const own = listCaptures(dir);
  if (own.length > 0) episodes.push({ name: basename(dir), captures: own });
  for (const entry of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).sort((a, b) => naturalCompare(a.name, b.name))) {
    const captures = listCaptures(join(dir, entry.name));
    if (captures.length > 0) episodes.push({ name: entry.name, captures });
  }
  if (episodes.length === 0) throw new UsageError(`compress: no capture found in ${dir} (a NAME.json sidecar beside a NAME.safetensors); pass a folder of captures`);
  return episodes;
}
