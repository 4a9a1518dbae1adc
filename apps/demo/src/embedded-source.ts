import { demoWindow } from "./episode-pass.js";
import { layoutTrajectory, parseAgentTrajectory, pngSize, type StepLayout, syntheticLayer, uiTarsShape } from "@starkv/trajectory";
import trajectoryJson from "../../../fixtures/gui/agentnetbench/s_7f27a11115e596eb.json";
import type { DemoSource } from "./demo-source.js";
import type { ShownStep } from "./protocol.js";

/** The embedded episode: AgentNetBench task `s_7f27a11115e596eb` (Spotify, 11 steps). */
export const embeddedEpisodeId = "s_7f27a11115e596eb";
/** Layers of the embedded default, as a capture of a 28-layer model would pick them (the CLI's choice). */
export const embeddedLayers: readonly number[] = [0, 7, 14, 27];
/** Seed of the synthetic tensors (the CLI's embedded default uses the same). */
export const embeddedSeed = 2606;
/** Decoder layers of UI-TARS-1.5-7B. */
export const embeddedModelLayers = 28;

/** Reads every screenshot's `[width, height]` from its PNG header. */
export async function screenshotSizes(imageUrls: Readonly<Record<string, string>>, fetchBytes: (url: string) => Promise<Uint8Array>): Promise<Map<string, readonly [number, number]>> {
  const sizes = new Map<string, readonly [number, number]>();
  for (const [name, url] of Object.entries(imageUrls)) sizes.set(name, pngSize(await fetchBytes(url), name));
  return sizes;
}

/**
 * Builds the embedded source: the AgentNetBench Spotify trajectory (real screenshots,
 * real human target boxes) laid out as UI-TARS-1.5-7B reads it, with seeded synthetic
 * tensors for layers 0, 7, 14 and 27, as the CLI's embedded default does.
 *
 * @param imageUrls screenshot file name → URL the page can draw
 * @param sizes screenshot file name → `[width, height]` in pixels
 * @throws TypeError when the trajectory JSON does not fit the AgentNetBench schema
 * @throws RangeError when a step's screenshot has no size
 */
export function embeddedSource(id: number, imageUrls: Readonly<Record<string, string>>, sizes: ReadonlyMap<string, readonly [number, number]>): DemoSource {
  const trajectory = parseAgentTrajectory(trajectoryJson, `${embeddedEpisodeId}.json`);
  const layouts: StepLayout[] = layoutTrajectory(trajectory, sizes);
  const steps: ShownStep[] = layouts.map((layout) => ({
    index: layout.step,
    caption: trajectory.steps[layout.step]!.instruction,
    seqLen: layout.seqLen,
    images: layout.images.map((image) => ({
      label: image.file,
      ...(imageUrls[image.file] === undefined ? {} : { url: imageUrls[image.file] }),
      span: image.span,
      grid: image.grid,
      ...(image.size === undefined ? {} : { size: image.size }),
      targets: image.targets ?? [],
      targetTokens: image.targetTokens,
    })),
  }));
  return {
    info: {
      id,
      kind: "embedded",
      title: `AgentNetBench ${embeddedEpisodeId}: ${trajectory.task}`,
      synthetic: true,
      modelName: "UI-TARS-1.5-7B",
      modelLayers: embeddedModelLayers,
      window: demoWindow,
      queryHeads: uiTarsShape.queryHeads,
      kvHeads: uiTarsShape.kvHeads,
      headDim: uiTarsShape.headDim,
      layers: embeddedLayers,
      steps,
    },
    layerInput(step, layer) {
      const layout = layouts[step];
      if (layout === undefined) throw new RangeError(`embedded source: step ${step} does not exist; the episode has steps 0 to ${layouts.length - 1}`);
      const tensors = syntheticLayer(layout, uiTarsShape, layer, embeddedModelLayers, embeddedSeed);
      return { ...tensors, spans: layout.images.map((image) => ({ start: image.span[0], end: image.span[1], grid: image.grid })) };
    },
  };
}
