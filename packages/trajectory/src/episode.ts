import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAgentTrajectory, type AgentTrajectory } from "./agentnetbench.js";
import { pngSize } from "./png-size.js";
import { layoutTrajectory, type LayoutOptions, type StepLayout } from "./prompt-layout.js";

/** An AgentNetBench trajectory with its screenshots' sizes and per-step layouts. */
export interface Episode {
  readonly name: string;
  readonly trajectory: AgentTrajectory;
  readonly sizes: ReadonlyMap<string, readonly [number, number]>;
  readonly steps: readonly StepLayout[];
  /** Folder of the screenshot files. */
  readonly imageDir: string;
}

/** The embedded default episode: AgentNetBench task `s_7f27a11115e596eb` (Spotify, 11 steps). */
export const defaultEpisodeId = "s_7f27a11115e596eb";

/**
 * Loads an AgentNetBench trajectory from `dir` (`<id>.json` and `images/`), reads each
 * screenshot's size from its PNG header and lays out every step as UI-TARS sees it.
 */
export function loadAgentNetBenchEpisode(dir: string, id: string, options: LayoutOptions = {}): Episode {
  const file = join(dir, `${id}.json`);
  const trajectory = parseAgentTrajectory(JSON.parse(readFileSync(file, "utf8")) as unknown, file);
  const imageDir = join(dir, "images");
  const sizes = new Map<string, readonly [number, number]>();
  for (const step of trajectory.steps) {
    if (!sizes.has(step.image)) sizes.set(step.image, pngSize(readFileSync(join(imageDir, step.image)), step.image));
  }
  return { name: `AgentNetBench ${id}`, trajectory, sizes, steps: layoutTrajectory(trajectory, sizes, options), imageDir };
}
