import { allocateUnits } from "./allocate.js";

/** PyramidKV's per-layer past budgets for one prefill. */
export interface PyramidSchedule {
  /** `[layerCount]` past tokens per head of every layer; they sum to `layerCount · keep`. */
  readonly budgets: Int32Array;
  /** `[layerCount]` the real-valued schedule before clamping and rounding. */
  readonly targets: Float64Array;
  /** Notes on the clamped layers and where their surplus went, when a layer was clamped. */
  readonly notes: readonly string[];
}

/**
 * Computes PyramidKV's (arXiv 2406.02069) per-layer past budgets, which shrink linearly
 * with depth. With the mean past budget `A = keep` and `β`: `min = A / β`,
 * `max = 2A − min`, and layer `ℓ` of `N` gets `max − (max − min) · ℓ / (N − 1)` (one
 * layer gets `A`), so the schedule sums to `N · A`.
 *
 * A layer can keep at most `pastLength` and at least 1 past token. Layers over the limit
 * are clamped and their surplus goes to the other layers in proportion to their schedule,
 * and the counts are rounded so that they still sum to `N · A` (see `allocateUnits`).
 * The reference instead falls back to uniform SnapKV when the prompt is shorter than
 * `2A`; here the clamp is reported in `notes`.
 *
 * @param keep `A`, the uniform past budget per layer (`Capacity.keep`)
 * @param pastLength `L = T − w`, past positions of the prompt
 * @param beta `β > 0`; PyramidKV uses 20
 * @throws RangeError when an argument is out of range
 */
export function pyramidBudgets(layerCount: number, keep: number, pastLength: number, beta: number): PyramidSchedule {
  if (!Number.isInteger(layerCount) || layerCount < 1) throw new RangeError(`pyramidBudgets(): layerCount is ${layerCount}; expected a positive integer`);
  if (!Number.isInteger(pastLength) || pastLength < 1) throw new RangeError(`pyramidBudgets(): pastLength is ${pastLength}; expected a positive integer`);
  if (!Number.isInteger(keep) || keep < 1 || keep > pastLength) throw new RangeError(`pyramidBudgets(): keep is ${keep}; expected an integer in [1, pastLength = ${pastLength}]`);
  if (!Number.isFinite(beta) || beta <= 0) throw new RangeError(`pyramidBudgets(): beta is ${beta}; expected a positive number`);

  const minimum = keep / beta;
  const maximum = 2 * keep - minimum;
  const targets = Float64Array.from({ length: layerCount }, (_, layer) => (layerCount === 1 ? keep : maximum - ((maximum - minimum) * layer) / (layerCount - 1)));
  const budgets = allocateUnits(layerCount * keep, targets, 1, pastLength);

  const notes: string[] = [];
  const over = Array.from(targets.keys()).filter((layer) => targets[layer]! > pastLength);
  if (over.length > 0) {
    const full = Array.from(budgets.keys()).filter((layer) => budgets[layer] === pastLength);
    const surplus = over.reduce((sum, layer) => sum + targets[layer]! - pastLength, 0);
    notes.push(
      `PyramidKV: the schedule requests up to ${Math.round(targets[0]!)} past tokens per layer but the prompt has only ${pastLength}; layer(s) ${full.join(", ")} keep all ${pastLength} and the surplus of about ${Math.round(surplus)} tokens went to the other layers in proportion to their schedule`,
    );
  }
  const raised = Array.from(targets.keys()).filter((layer) => targets[layer]! < 1);
  if (raised.length > 0) notes.push(`PyramidKV: the schedule requests less than one past token for layer(s) ${raised.join(", ")}; each keeps at least 1`);
  return { budgets, targets, notes };
}
