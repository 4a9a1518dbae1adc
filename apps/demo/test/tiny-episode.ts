import type { LayerInput } from "@starkv/core";
import { type AgentTrajectory, layoutTrajectory, type StepLayout, syntheticLayer, type SyntheticShape } from "@starkv/trajectory";

/** A small head layout: 8 query heads over 2 KV heads of 16 channels. */
export const tinyShape: SyntheticShape = { queryHeads: 8, kvHeads: 2, headDim: 16, window: 8 };
export const tinyLayers = [0, 3] as const;
export const tinyModelLayers = 4;

/**
 * Lays out a made-up trajectory of `steps` steps with 280 × 196 screenshots (a 7 × 10
 * token grid each) and a target box on every other step.
 */
export function tinyLayouts(steps: number): StepLayout[] {
  const trajectory: AgentTrajectory = {
    id: "tiny",
    task: "Open the settings and turn on dark mode",
    steps: Array.from({ length: steps }, (_, i) => ({
      step: i,
      image: `tiny_${i}.png`,
      action: `click(x=${0.1 * i}, y=0.5)`,
      instruction: `Click the control number ${i}`,
      targets: i % 2 === 0 ? [[28 * i, 56, 56, 28] as const] : [],
    })),
  };
  const sizes = new Map(trajectory.steps.map((step) => [step.image, [280, 196] as const]));
  return layoutTrajectory(trajectory, sizes, { historyImages: 2 });
}

/** Seeded synthetic inputs of every tiny layer at one step. */
export function tinyInputs(layout: StepLayout, seed = 7): Map<number, LayerInput & { evalQueries: LayerInput["queries"] }> {
  const inputs = new Map<number, LayerInput & { evalQueries: LayerInput["queries"] }>();
  for (const layer of tinyLayers) {
    const tensors = syntheticLayer(layout, tinyShape, layer, tinyModelLayers, seed);
    inputs.set(layer, { ...tensors, spans: layout.images.map((image) => ({ start: image.span[0], end: image.span[1], grid: image.grid })) });
  }
  return inputs;
}
