import type { Method } from "./method.js";
import type { MethodLayerResult } from "./method-result.js";
import { checkOptions, numberIn, oneOf, resolveWindowScoreOptions, type SelectionWidth, type WindowScoreOptions, windowScoreChecks } from "./options.js";
import { pyramidBudgets } from "./pyramid-budgets.js";
import { prepareStep, wholeStepResult } from "./step-setup.js";
import { scoreHeads, selectPerHead } from "./window-selection.js";

/** Options of `createPyramidKV`. */
export interface PyramidKVOptions extends WindowScoreOptions {
  /** `β`, the ratio of the mean to the smallest layer budget; default 20. */
  readonly beta?: number;
  /** Default `"kv-head"`; `"query-head"` selects per query head like the reference. */
  readonly width?: SelectionWidth;
}

/**
 * Creates PyramidKV (arXiv 2406.02069): SnapKV scoring and selection with a past budget
 * per layer that shrinks with depth (`pyramidBudgets`). The budgets need the layer index
 * and the model's layer count, so this is a step method: pass every captured layer of a
 * prefill to one `compressStep` call with `layerCount`. The schedule covers all
 * `layerCount` layers and sums to `layerCount · keep`; `StepResult.budgets` lists it.
 *
 * @throws OptionsError listing every invalid option
 */
export function createPyramidKV(options: PyramidKVOptions = {}): Method {
  const name = "pyramidkv";
  checkOptions("createPyramidKV()", options, { ...windowScoreChecks, beta: numberIn(0, Infinity, true), width: oneOf("kv-head", "query-head") });
  const resolved = resolveWindowScoreOptions(options);
  const beta = options.beta ?? 20;
  const width = options.width ?? "kv-head";
  return {
    name,
    scope: "step",
    compressStep(session, layers, stepOptions) {
      const step = prepareStep(`${name}.compressStep()`, layers, stepOptions, resolved.budget, resolved.window);
      const { capacity } = step.first;
      if (!capacity.compresses) return wholeStepResult(name, layers, step);
      const results = new Map<number, MethodLayerResult>();
      const schedule = pyramidBudgets(stepOptions.layerCount, capacity.keep, capacity.pastLength, beta);
      for (const layer of step.indices) {
        const input = layers.get(layer)!;
        const prepared = step.layers.get(layer)!;
        const keep = schedule.budgets[layer]!;
        const scored = scoreHeads(session, layer, input, prepared, resolved);
        scored.notes.push(`PyramidKV: layer ${layer} of ${stepOptions.layerCount} keeps ${keep} past tokens per head (uniform budget ${capacity.keep})`);
        results.set(layer, selectPerHead(name, layer, input, prepared, scored, resolved, width, keep));
      }
      const budgets = new Map(Array.from(schedule.budgets, (keep, layer) => [layer, keep] as const));
      return { method: name, layers: results, budgets, notes: schedule.notes };
    },
  };
}
