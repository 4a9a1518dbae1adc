import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CaptureSidecar, LayerTensors } from "@starkv/capture";
import { tensor } from "@starkv/core";

/** Seeded uniform numbers in [0, 1) (mulberry32), so every test run sees the same data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shape and content options of `sampleCapture`. */
export interface SampleOptions {
  layers?: number[];
  seqLen?: number;
  window?: number;
  queryHeads?: number;
  kvHeads?: number;
  headDim?: number;
  hidden?: number;
  /** Store `[seqLen, hidden]` states instead of `[seqLen]` norms. */
  fullHidden?: boolean;
  /** Tokens of `evalQueries`; none when 0. */
  evalTokens?: number;
  seed?: number;
}

/** Builds a small valid capture with seeded values in [-4, 4) and one screenshot. */
export function sampleCapture(options: SampleOptions = {}): { sidecar: CaptureSidecar; layers: Map<number, LayerTensors> } {
  const { layers = [0, 2], seqLen = 12, window = 3, queryHeads = 4, kvHeads = 2, headDim = 4, hidden = 6, fullHidden = false, evalTokens = 0, seed = 1 } = options;
  const random = seededRandom(seed);
  const values = (shape: number[], name: string) => {
    const size = shape.reduce((product, length) => product * length, 1);
    return tensor(Float32Array.from({ length: size }, () => (random() - 0.5) * 8), shape, name);
  };
  const sidecar: CaptureSidecar = {
    format: "starkv-capture/1",
    model: { name: "tiny-test", layers: Math.max(...layers) + 1, queryHeads, kvHeads, headDim, hidden, rope: "rope" },
    layers,
    window,
    seqLen,
    images: [{ step: 0, span: [2, 8], grid: [2, 3], size: [90, 60], resized: [84, 56], targets: [[10, 10, 20, 5]] }],
  };
  const tensors = new Map<number, LayerTensors>();
  for (const layer of layers) {
    const entry: LayerTensors = {
      queries: values([queryHeads, window, headDim], "queries"),
      keys: values([kvHeads, seqLen, headDim], "keys"),
      values: values([kvHeads, seqLen, headDim], "values"),
      hidden: fullHidden ? values([seqLen, hidden], "hidden") : values([seqLen], "hidden"),
    };
    if (evalTokens > 0) entry.evalQueries = values([queryHeads, evalTokens, headDim], "evalQueries");
    tensors.set(layer, entry);
  }
  return { sidecar, layers: tensors };
}

/** Creates a fresh temporary folder for one test. */
export function temporaryFolder(prefix = "starkv-capture-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
