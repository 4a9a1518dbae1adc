/** One step of an AgentNetBench trajectory. */
export interface AgentStep {
  /** Step number in the source trajectory. */
  readonly step: number;
  /** File name of the screenshot. */
  readonly image: string;
  /** The recorded action, for example `pyautogui.click(x=0.34, y=0.63)`. */
  readonly action: string;
  /** The annotator's instruction for this step. */
  readonly instruction: string;
  /** Target boxes `[x, y, width, height]` in pixels of the stored screenshot; empty for actions without a target. */
  readonly targets: readonly (readonly [number, number, number, number])[];
}

/** An AgentNetBench trajectory: task and steps in order. */
export interface AgentTrajectory {
  readonly id: string;
  readonly task: string;
  readonly steps: readonly AgentStep[];
}

function problem(file: string, field: string, expected: string): TypeError {
  return new TypeError(`parseAgentTrajectory(): ${file} field ${field} is missing or invalid; expected ${expected}`);
}

/**
 * Reads the AgentNetBench trajectory schema (`task_id`, `user_task_description`,
 * `steps[].image`, `.action`, `.inner_monologue.low_level_instruction`, and the
 * `abs_bbox` of each ground-truth action).
 *
 * @throws TypeError naming the file and the field that does not fit the schema
 */
export function parseAgentTrajectory(json: unknown, file: string): AgentTrajectory {
  if (typeof json !== "object" || json === null) throw problem(file, "(root)", "an object");
  const root = json as Record<string, unknown>;
  if (typeof root["task_id"] !== "string") throw problem(file, "task_id", "a string");
  if (typeof root["user_task_description"] !== "string") throw problem(file, "user_task_description", "a string");
  const steps = root["steps"];
  if (!Array.isArray(steps) || steps.length === 0) throw problem(file, "steps", "a non-empty array");
  return {
    id: root["task_id"],
    task: root["user_task_description"],
    steps: steps.map((value: unknown, i) => parseStep(value, file, i)),
  };
}

function parseStep(value: unknown, file: string, i: number): AgentStep {
  if (typeof value !== "object" || value === null) throw problem(file, `steps[${i}]`, "an object");
  const step = value as Record<string, unknown>;
  if (typeof step["image"] !== "string") throw problem(file, `steps[${i}].image`, "a file name");
  const monologue = (step["inner_monologue"] ?? {}) as Record<string, unknown>;
  const targets: [number, number, number, number][] = [];
  const actions = Array.isArray(step["ground_truth_actions"]) ? (step["ground_truth_actions"] as unknown[]) : [];
  for (const action of actions) {
    const boxes = ((action as { metadata?: { bboxes?: unknown } }).metadata?.bboxes ?? []) as unknown[];
    for (const box of Array.isArray(boxes) ? boxes : []) {
      const abs = (box as { abs_bbox?: unknown }).abs_bbox;
      if (Array.isArray(abs) && abs.length === 4 && abs.every((n) => typeof n === "number" && Number.isFinite(n))) {
        targets.push(abs as [number, number, number, number]);
      }
    }
  }
  return {
    step: typeof step["step_num"] === "number" ? step["step_num"] : i,
    image: step["image"],
    action: typeof step["action"] === "string" ? step["action"] : "",
    instruction: typeof monologue["low_level_instruction"] === "string" ? monologue["low_level_instruction"] : "",
    targets,
  };
}
