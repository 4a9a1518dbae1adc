import { parseAgentTrajectory } from "@starkv/trajectory";
import { type CaptureInMemory, parseCaptureBytes } from "@starkv/capture/browser";
import trajectoryJson from "../../../fixtures/gui/agentnetbench/s_7f27a11115e596eb.json";
import { imageTargetTokens } from "./capture-source.js";
import type { DemoSource } from "./demo-source.js";
import type { ShownStep } from "./protocol.js";

/** The embedded episode: AgentNetBench task `s_7f27a11115e596eb` (Spotify, 11 steps). */
export const embeddedEpisodeId = "s_7f27a11115e596eb";

/** The files of one step's capture, as URLs the worker fetches. */
export interface CaptureUrls {
  /** The capture's name, for example `step-03`. */
  readonly name: string;
  readonly sidecar: string;
  readonly tensors: string;
}

/** One step's capture, read into memory. */
export interface StepCapture {
  readonly name: string;
  readonly capture: CaptureInMemory;
}

/** Fetches and parses every step's capture, in the given order. */
export async function fetchCaptures(urls: readonly CaptureUrls[], fetchBytes: (url: string) => Promise<Uint8Array>): Promise<StepCapture[]> {
  const captures: StepCapture[] = [];
  for (const entry of urls) {
    const sidecar = new TextDecoder().decode(await fetchBytes(entry.sidecar));
    captures.push({ name: entry.name, capture: parseCaptureBytes(sidecar, await fetchBytes(entry.tensors), entry.name) });
  }
  return captures;
}

/**
 * Builds the embedded source: real captures of the starkv testbed model (a small
 * GUI-grounding VLM trained in this repository) on the 11 real screenshots of the
 * AgentNetBench Spotify trajectory, one capture per step with up to four previous
 * screenshots, and the human target boxes. The same captures are the CLI's embedded
 * default (`fixtures/testbed-captures/`).
 *
 * @param imageUrls screenshot file name → URL the page can draw
 * @throws RangeError when the captures disagree on the model or a step is missing
 */
export function embeddedSource(id: number, captures: readonly StepCapture[], imageUrls: Readonly<Record<string, string>>): DemoSource {
  const trajectory = parseAgentTrajectory(trajectoryJson, `${embeddedEpisodeId}.json`);
  if (captures.length === 0) throw new RangeError("embedded source: no capture was bundled; rebuild the demo");
  const first = captures[0]!.capture.sidecar;
  for (const { name, capture } of captures) {
    const model = capture.sidecar.model;
    if (model.name !== first.model.name || model.layers !== first.model.layers || capture.sidecar.layers.join() !== first.layers.join()) {
      throw new RangeError(`embedded source: capture ${name} is of ${model.name} with layers ${capture.sidecar.layers.join(", ")}; every step must match ${first.model.name} with layers ${first.layers.join(", ")}`);
    }
  }
  const steps: ShownStep[] = captures.map(({ capture }, index) => {
    const step = capture.sidecar.images.at(-1)?.step ?? index;
    return {
      index,
      caption: trajectory.steps[step]?.instruction ?? `step ${step}`,
      seqLen: capture.sidecar.seqLen,
      images: capture.sidecar.images.map((image) => {
        const file = trajectory.steps[image.step]?.image ?? `image of step ${image.step}`;
        return {
          label: file,
          ...(imageUrls[file] === undefined ? {} : { url: imageUrls[file] }),
          span: image.span,
          grid: image.grid,
          ...(image.size === undefined ? {} : { size: image.size }),
          targets: image.targets ?? [],
          targetTokens: imageTargetTokens(image),
        };
      }),
    };
  });
  return {
    info: {
      id,
      kind: "embedded",
      title: `AgentNetBench ${embeddedEpisodeId}: ${trajectory.task}`,
      synthetic: false,
      modelName: first.model.name,
      modelLayers: first.model.layers,
      window: first.window,
      queryHeads: first.model.queryHeads,
      kvHeads: first.model.kvHeads,
      headDim: first.model.headDim,
      layers: [...first.layers],
      steps,
    },
    layerInput(step, layer) {
      const entry = captures[step];
      const tensors = entry?.capture.layers.get(layer);
      if (entry === undefined || tensors === undefined) throw new RangeError(`embedded source: step ${step}, layer ${layer} does not exist; the episode has steps 0 to ${captures.length - 1} and layers ${first.layers.join(", ")}`);
      return {
        queries: tensors.queries,
        keys: tensors.keys,
        values: tensors.values,
        ...(tensors.hidden === undefined ? {} : { hidden: tensors.hidden }),
        ...(tensors.evalQueries === undefined ? {} : { evalQueries: tensors.evalQueries }),
        spans: entry.capture.sidecar.images.map((image) => ({ start: image.span[0], end: image.span[1], grid: image.grid })),
      };
    },
  };
}
