import { type Compressor, createBoostStage, createCompressor, type Stage } from "@starkv/core";
import { createMIPriorStage } from "@starkv/mi";
import { createSharpenStage } from "@starkv/sharpen";
import { createTemporalStage } from "@starkv/temporal";
import { type ResolvedStarKVOptions, resolveStarKVOptions, type StarKVOptions } from "./options.js";

/** Returns the STaR-KV stages for resolved options, in pipeline order. */
export function starKVStages(options: ResolvedStarKVOptions): Stage[] {
  const stages: Stage[] = [];
  if (options.boost !== false) stages.push(createBoostStage(options.boost));
  if (options.mi !== false) stages.push(createMIPriorStage(options.mi));
  if (options.temporal !== false) stages.push(createTemporalStage(options.temporal));
  if (options.sharpen !== false) stages.push(createSharpenStage(options.sharpen));
  return stages;
}

/**
 * Creates a STaR-KV compressor: SnapKV-style pooled window attention, the hidden-norm
 * boost on the current screenshot, the online MI group prior, the temporal discount of
 * older screenshots and the entropy sharpening, then one global Top-K shared by all
 * heads. With no options it reproduces the authors' reproduction settings.
 *
 * @throws OptionsError listing every invalid option
 */
export function createStarKV(options: StarKVOptions = {}): Compressor {
  const resolved = resolveStarKVOptions(options);
  return createCompressor({
    stages: starKVStages(resolved),
    budget: resolved.budget,
    window: resolved.window,
    kernel: resolved.kernel,
    pooling: resolved.pooling,
    batchState: resolved.batchState,
    trace: resolved.trace,
    ...(resolved.selector === undefined ? {} : { selector: resolved.selector }),
    ...(resolved.backend === undefined ? {} : { backend: resolved.backend }),
  });
}
