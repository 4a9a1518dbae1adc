/*
 * Messages between the page and the compression worker. Everything here must survive
 * structured cloning: plain objects, arrays, numbers, strings and typed arrays.
 */

import type { CaptureUrls } from "./embedded-source.js";

/** The compute backends the page offers; `cpu` is core's plain TypeScript backend. */
export const backendChoices = ["cpu", "gpu.js:webgl2", "gpu.js:webgpu"] as const;
export type BackendChoice = (typeof backendChoices)[number];

/** One screenshot of a step's prompt, as the page draws it. */
export interface ShownImage {
  /** File name, or `image i (step s)` for a capture. */
  readonly label: string;
  /** Absolute URL of the screenshot when the source has pixels. */
  readonly url?: string;
  /** `[start, end)` token positions of the image-pad run. */
  readonly span: readonly [number, number];
  /** Merged-token grid `[rows, cols]`. */
  readonly grid: readonly [number, number];
  /** Original screenshot size `[width, height]` in pixels, when known. */
  readonly size?: readonly [number, number];
  /** Target boxes `[x, y, width, height]` in pixels of the original screenshot. */
  readonly targets: readonly (readonly [number, number, number, number])[];
  /** Ascending token positions covered by the target boxes. */
  readonly targetTokens: Int32Array;
}

/** One prefill: a step of the trajectory with its screenshots, oldest first. */
export interface ShownStep {
  readonly index: number;
  /** The agent's instruction at this step, for the step picker. */
  readonly caption: string;
  readonly seqLen: number;
  readonly images: readonly ShownImage[];
}

/** The loaded source: the model shape, the layers at hand and every step. */
export interface SourceInfo {
  /** Increases with every load, so late results about an older source can be dropped. */
  readonly id: number;
  readonly kind: "embedded" | "capture";
  readonly title: string;
  /** True when the tensors are generated, not captured from a model. */
  readonly synthetic: boolean;
  readonly modelName: string;
  readonly modelLayers: number;
  /** Observation window: the query rows the source holds (8 for the embedded trajectory). */
  readonly window: number;
  readonly queryHeads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** Layers at hand, ascending. */
  readonly layers: readonly number[];
  readonly steps: readonly ShownStep[];
}

/** A view request: the step, budget, methods and backend the page shows. */
export interface ViewRequest {
  /** Increases with every request; the worker drops requests that a newer one replaced. */
  readonly id: number;
  readonly sourceId: number;
  readonly step: number;
  /** Budget in percent of the prompt, window included. */
  readonly percent: number;
  readonly methods: readonly [string, string];
  readonly backend: BackendChoice;
  /** Layer of the metric sweep. */
  readonly layer: number;
}

/** The kept cache of one layer for one method. */
export interface LayerView {
  readonly layer: number;
  /** `"shared"`, `"per-kv-head"` or `"per-query-head"`. */
  readonly layout: string;
  /** Ascending kept positions of every cache head, window included. */
  readonly headPositions: readonly Int32Array[];
  readonly seqLen: number;
  /** Capacity `C` that the budget gives, window included. */
  readonly capacity: number;
  /** Mean kept tokens per cache head, window included. */
  readonly keptMean: number;
  readonly notes: readonly string[];
  /** Name of the backend that computed the window scores, or undefined when the method uses none. */
  readonly backend?: string;
}

/** One method's result for the requested step, every layer at hand. */
export interface MethodView {
  readonly method: string;
  readonly layers: readonly LayerView[];
  /** Notes about the step as a whole. */
  readonly notes: readonly string[];
  /** Wall time of the compression call, window scores excluded when they were reused. */
  readonly milliseconds: number;
}

/** Report on the window scores of a view: the backend, its time and how many layers were reused. */
export interface BackendReport {
  /** The backend that produced the window scores, for example `gpu.js:webgl2`. */
  readonly name: string;
  /** Milliseconds spent computing window scores for this view (0 when every layer was reused). */
  readonly milliseconds: number;
  /** Layers whose scores were computed now. */
  readonly computedLayers: number;
  /** Layers whose scores came from an earlier computation on the same backend. */
  readonly reusedLayers: number;
}

/** The STaR-KV axes of one layer at one step, read from `createStarKV({ trace: true })`. */
export interface AxisTrace {
  readonly step: number;
  readonly layer: number;
  /** `λ` of the MI prior at this step. */
  readonly lambda: number | null;
  /** `[kvHeads]` this step's MI per KV-head group, in nats, or null when none was computed. */
  readonly mi: readonly number[] | null;
  /** `[kvHeads]` group weights. */
  readonly weights: readonly number[] | null;
  /** AEB entropy temperature. */
  readonly temperature: number | null;
  /** Mean temporal discount of each screenshot (oldest first), or null when the discount did not apply. */
  readonly discountPerImage: readonly (number | null)[] | null;
  /** `[kvHeads]` cosine stability of each group's attention pattern. */
  readonly stability: readonly number[] | null;
}

/** Attention quality of one method at one budget on the sweep layer. */
export interface SweepPoint {
  readonly method: string;
  readonly percent: number;
  /** Attention-mass recall over the observation-window queries. */
  readonly recall: number;
  /** Attention-mass recall over held-out queries, when the source has them. */
  readonly heldOutRecall: number | null;
  /** Relative error of the attention output. */
  readonly outputError: number;
}

/**
 * The metric-against-budget points of one step, layer, method pair and backend. They do
 * not depend on the chosen budget, so moving the slider keeps them.
 */
export interface SweepResult {
  readonly sourceId: number;
  readonly step: number;
  readonly layer: number;
  readonly methods: readonly [string, string];
  readonly backend: BackendChoice;
  readonly points: readonly SweepPoint[];
  /** False while points are still being computed. */
  readonly done: boolean;
}

/** Returns true when a sweep was computed for these settings. */
export function sweepMatches(sweep: SweepResult, settings: Omit<SweepResult, "points" | "done">): boolean {
  return (
    sweep.sourceId === settings.sourceId &&
    sweep.step === settings.step &&
    sweep.layer === settings.layer &&
    sweep.backend === settings.backend &&
    sweep.methods[0] === settings.methods[0] &&
    sweep.methods[1] === settings.methods[1]
  );
}

/** Messages from the page to the worker. */
export type ToWorker =
  | { readonly type: "load-embedded"; readonly imageUrls: Readonly<Record<string, string>>; readonly captureUrls: readonly CaptureUrls[] }
  | { readonly type: "load-capture"; readonly name: string; readonly sidecarText: string; readonly safetensors: ArrayBuffer }
  | { readonly type: "view"; readonly request: ViewRequest };

/** Messages from the worker to the page. */
export type FromWorker =
  | { readonly type: "source"; readonly info: SourceInfo }
  | { readonly type: "load-error"; readonly message: string }
  | { readonly type: "busy"; readonly requestId: number; readonly message: string }
  | {
      readonly type: "view";
      readonly requestId: number;
      readonly sourceId: number;
      readonly step: number;
      readonly percent: number;
      /** The two methods, left then right; null while a method is still computed. */
      readonly methods: readonly [MethodView | null, MethodView | null];
      readonly backend: BackendReport;
    }
  | { readonly type: "view-error"; readonly requestId: number; readonly message: string }
  | { readonly type: "traces"; readonly sourceId: number; readonly backend: string; readonly traces: readonly AxisTrace[]; readonly stepsDone: number }
  | { readonly type: "sweep"; readonly sweep: SweepResult };
