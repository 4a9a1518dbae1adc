import { type CaptureImage, type LayerTensors, openCapture, writeCapture } from "@starkv/capture";
import { tensor } from "@starkv/core";
import type { LayerOutcome } from "./compress-run.js";
import { UsageError } from "./usage-error.js";

/**
 * Writes the compressed cache of every layer as a capture that `openCapture` reads back.
 *
 * Every layer must keep the same number of tokens (true for a percent budget), which
 * becomes the capture's `seqLen`. Each screenshot's span is remapped to the slots of its
 * kept tokens; its grid becomes `[1, kept]` because the kept tokens no longer fill a
 * rectangle, and screenshots with no kept token are dropped. The sidecar's `compressed`
 * field records the source capture, method, budget and original images, and each layer
 * stores its kept original positions as `L{layer}.positions` `[kept]`.
 */
export function writeCompressedCapture(out: string, source: string, outcomes: readonly LayerOutcome[], method: string, percent: number): void {
  const counts = new Set(outcomes.map((o) => o.kept.length));
  if (counts.size !== 1) throw new UsageError(`compress: --out needs the same kept count in every layer, got ${[...counts].join(", ")}`);
  const kept = outcomes[0]!.kept;
  const original = openCapture(source);
  const sidecar = original.sidecar;
  original.close();

  const images: CaptureImage[] = [];
  for (const image of sidecar.images) {
    const first = lowerBound(kept, image.span[0]);
    const end = lowerBound(kept, image.span[1]);
    if (end > first) images.push({ step: image.step, span: [first, end], grid: [1, end - first], ...(image.size === undefined ? {} : { size: image.size }) });
  }
  const layers = new Map<number, LayerTensors>();
  const extra = new Map<string, Float32Array>();
  for (const outcome of outcomes) {
    if (outcome.tensors === undefined) throw new Error("writeCompressedCapture(): the outcomes carry no tensors; compress with keepTensors");
    const { input, result } = outcome.tensors;
    if (outcome.keptPerHead !== undefined) {
      throw new UsageError(`compress: --out needs one kept set shared by all heads, but ${result.method} keeps different positions per head in layer ${outcome.layer}`);
    }
    if (outcome.kept.length !== kept.length || outcome.kept.some((position, i) => position !== kept[i])) {
      throw new UsageError(`compress: --out needs one kept set for every layer so that the capture has one layout, but layer ${outcome.layer} keeps other positions than layer ${outcomes[0]!.layer}`);
    }
    const hidden = input.hidden;
    let norms: Float32Array | undefined;
    if (hidden !== undefined) {
      const width = hidden.shape.length === 2 ? hidden.shape[1]! : 1;
      norms = Float32Array.from(kept, (position) => {
        if (width === 1) return hidden.data[position]!;
        let sum = 0;
        for (let d = 0; d < width; d++) sum += hidden.data[position * width + d]! ** 2;
        return Math.sqrt(sum);
      });
    }
    layers.set(outcome.layer, {
      queries: input.queries,
      keys: stackHeads(result.heads.map((head) => head.keys.data), kept.length, input.keys.shape[2]!, "keys"),
      values: stackHeads(result.heads.map((head) => head.values.data), kept.length, input.keys.shape[2]!, "values"),
      ...(norms === undefined ? {} : { hidden: tensor(norms, [norms.length], "kept hidden norms") }),
    });
    extra.set(`L${outcome.layer}.positions`, Float32Array.from(kept));
  }
  writeCapture(out, { ...sidecar, seqLen: kept.length, images }, layers, {
    extraTensors: extra,
    extraFields: { compressed: { source, method, budgetPercent: percent, seqLen: sidecar.seqLen, images: sidecar.images } },
  });
}

/** Stacks per-head rows `[kept, headDim]` into `[heads, kept, headDim]`. */
function stackHeads(heads: readonly Float32Array[], kept: number, headDim: number, name: string) {
  const data = new Float32Array(heads.length * kept * headDim);
  heads.forEach((rows, h) => data.set(rows.subarray(0, kept * headDim), h * kept * headDim));
  return tensor(data, [heads.length, kept, headDim], `compressed ${name}`);
}

function lowerBound(sorted: Int32Array, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
