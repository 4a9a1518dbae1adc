import { type CaptureImage, type LayerTensors, openCapture, writeCapture } from "@starkv/capture";
import { type Tensor, tensor } from "@starkv/core";
import type { LayerOutcome } from "./compress-run.js";
import { UsageError } from "./usage-error.js";

/**
 * Writes the compressed cache of every layer as a capture that `openCapture` reads back.
 *
 * Every layer and KV head must keep the same number of rows (true for a percent budget
 * and every method but the layer- and head-adaptive ones); that count becomes the
 * capture's `seqLen`. Each layer stores the original position of every row as
 * `L{layer}.positions` `[kvHeads, kept]`. When all layers and heads keep the same
 * positions, each screenshot's span is remapped to the slots of its kept tokens (its
 * grid becomes `[1, kept]`, since the kept tokens no longer fill a rectangle, and a
 * screenshot with no kept token is dropped); otherwise the capture lists no screenshots.
 * The sidecar's `compressed` field records the source, method, budget and original
 * images either way.
 *
 * The caller checks first that `out` replaces no file (the input included).
 *
 * @throws UsageError when the kept counts differ or the cache is not at KV-head width
 */
export function writeCompressedCapture(out: string, source: string, outcomes: readonly LayerOutcome[], method: string, percent: number): void {
  const original = openCapture(source);
  const sidecar = original.sidecar;
  original.close();

  const rowsPerHead = new Set<number>();
  for (const outcome of outcomes) {
    const result = outcome.tensors?.result;
    if (result === undefined) throw new Error("writeCompressedCapture(): the outcomes carry no tensors; compress with keepTensors");
    if (result.heads.length !== sidecar.model.kvHeads) {
      throw new UsageError(`compress: --out stores ${sidecar.model.kvHeads} KV heads, but ${method} keeps ${result.heads.length} cache heads in layer ${outcome.layer}; use a method that keeps the cache at KV-head width (for example starkv or snapkv)`);
    }
    for (const head of result.heads) rowsPerHead.add(head.positions.length);
  }
  if (rowsPerHead.size !== 1) {
    throw new UsageError(`compress: --out needs the same kept count in every layer and KV head, but ${method} keeps ${[...rowsPerHead].sort((a, b) => a - b).join(", ")} rows; use a method with a uniform budget (for example starkv or snapkv)`);
  }
  const kept = [...rowsPerHead][0]!;

  const first = outcomes[0]!.tensors!.result.heads[0]!.positions;
  const shared = outcomes.every((outcome) => outcome.tensors!.result.heads.every((head) => head.positions.every((position, i) => position === first[i])));
  const images: CaptureImage[] = [];
  if (shared) {
    for (const image of sidecar.images) {
      const start = lowerBound(first, image.span[0]);
      const end = lowerBound(first, image.span[1]);
      if (end > start) images.push({ ...image, span: [start, end], grid: [1, end - start] });
    }
  }

  const layers = new Map<number, LayerTensors>();
  const extra = new Map<string, Tensor>();
  for (const outcome of outcomes) {
    const { input: layerInput, result } = outcome.tensors!;
    const headDim = layerInput.keys.shape[2]!;
    const hidden = layerInput.hidden;
    const layer: LayerTensors = {
      queries: layerInput.queries,
      keys: stackHeads(result.heads.map((head) => head.keys.data), kept, headDim, "keys"),
      values: stackHeads(result.heads.map((head) => head.values.data), kept, headDim, "values"),
    };
    // The capture format stores one norm per row, so heads that keep other rows use head 0's.
    if (hidden !== undefined) layer.hidden = tensor(Float32Array.from(result.heads[0]!.positions, (position) => normAt(hidden.data, hidden.shape, position)), [kept], "kept hidden norms");
    layers.set(outcome.layer, layer);
    const positions = new Float32Array(result.heads.length * kept);
    result.heads.forEach((head, h) => positions.set(head.positions, h * kept));
    extra.set(`L${outcome.layer}.positions`, tensor(positions, [result.heads.length, kept], "kept positions"));
  }
  writeCapture(out, { ...sidecar, seqLen: kept, images }, layers, {
    extraTensors: extra,
    extraFields: { compressed: { source, method, budgetPercent: percent, seqLen: sidecar.seqLen, sharedPositions: shared, images: sidecar.images } },
  });
}

function normAt(data: Float32Array, shape: readonly number[], position: number): number {
  if (shape.length === 1) return data[position]!;
  const width = shape[1]!;
  let sum = 0;
  for (let d = 0; d < width; d++) sum += data[position * width + d]! ** 2;
  return Math.sqrt(sum);
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
