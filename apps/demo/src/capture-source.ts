import { boxTokens, type CaptureImage, parseCaptureBytes } from "@starkv/capture/browser";
import type { DemoSource } from "./demo-source.js";
import type { ShownImage } from "./protocol.js";

/** A capture the page could not load; its message names the problem and states that the view is unchanged. */
export class CaptureLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CaptureLoadError";
  }
}

/** Returns the ascending token positions covered by an image's target boxes (empty without boxes or size). */
export function imageTargetTokens(image: CaptureImage): Int32Array {
  const targets = image.targets ?? [];
  if (targets.length === 0 || image.size === undefined) return new Int32Array(0);
  const positions = new Set<number>();
  for (const box of targets) for (const position of boxTokens(box, image.size, image.grid, image.span[0])) positions.add(position);
  return Int32Array.from([...positions].sort((a, b) => a - b));
}

/**
 * Reads a dropped capture (`NAME.json` text and `NAME.safetensors` bytes) into a
 * one-step source with every captured layer.
 *
 * @param name the capture's name without extension, for messages
 * @throws CaptureLoadError with the reader's problems when the files are not a valid capture
 */
export function loadCaptureSource(id: number, name: string, sidecarText: string, safetensors: Uint8Array): DemoSource {
  let capture: ReturnType<typeof parseCaptureBytes>;
  try {
    capture = parseCaptureBytes(sidecarText, safetensors, name);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CaptureLoadError(`${name}.safetensors + ${name}.json is not a valid starkv capture, so the page still shows the previous data. ${reason}`, { cause: error });
  }
  const { sidecar, layers } = capture;
  const images: ShownImage[] = sidecar.images.map((image, i) => ({
    label: `image ${i} (step ${image.step})`,
    span: image.span,
    grid: image.grid,
    ...(image.size === undefined ? {} : { size: image.size }),
    targets: image.targets ?? [],
    targetTokens: imageTargetTokens(image),
  }));
  const spans = sidecar.images.map((image) => ({ start: image.span[0], end: image.span[1], grid: image.grid }));
  return {
    info: {
      id,
      kind: "capture",
      title: `capture ${name} (${sidecar.model.name}, ${sidecar.seqLen.toLocaleString("en-US")} tokens)`,
      synthetic: false,
      modelName: sidecar.model.name,
      modelLayers: sidecar.model.layers,
      window: sidecar.window,
      queryHeads: sidecar.model.queryHeads,
      kvHeads: sidecar.model.kvHeads,
      headDim: sidecar.model.headDim,
      layers: [...sidecar.layers],
      steps: [{ index: 0, caption: `${images.length} screenshot(s), ${sidecar.layers.length} captured layer(s)`, seqLen: sidecar.seqLen, images }],
    },
    layerInput(step, layer) {
      const tensors = layers.get(layer);
      if (step !== 0 || tensors === undefined) {
        throw new RangeError(`capture ${name}: step ${step}, layer ${layer} is not in the capture; it contains step 0 with layers ${sidecar.layers.join(", ")}`);
      }
      return {
        queries: tensors.queries,
        keys: tensors.keys,
        values: tensors.values,
        ...(tensors.hidden === undefined ? {} : { hidden: tensors.hidden }),
        ...(tensors.evalQueries === undefined ? {} : { evalQueries: tensors.evalQueries }),
        spans,
      };
    },
  };
}
