import { existsSync, mkdirSync } from "node:fs";
import { captureAgentNetBench, defaultModelPath, loadTestbedModel } from "@starkv/testbed/node";
import { numberOption, parseCommandArgs, requireEmptyFolder } from "./args.js";
import { agentNetBenchDir } from "./sources.js";
import { UsageError } from "./usage-error.js";

/**
 * `starkv testbed-capture --out DIR`: runs the testbed model on a real AgentNetBench
 * trajectory (the shipped Spotify one by default) and writes one capture per step.
 */
export function testbedCaptureCommand(args: readonly string[], print: (line: string) => void): number {
  const { values, positionals } = parseCommandArgs("testbed-capture", args, {
    out: { type: "string" },
    episode: { type: "string", default: "s_7f27a11115e596eb" },
    dir: { type: "string" },
    model: { type: "string" },
    "max-patches": { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError(`testbed-capture: unexpected argument ${JSON.stringify(positionals[0])}; pass --out DIR`);
  if (values.out === undefined) throw new UsageError("testbed-capture: pass --out DIR, the folder to write the captures to");
  requireEmptyFolder("testbed-capture", values.out);
  const dir = values.dir ?? agentNetBenchDir();
  if (!existsSync(`${dir}/${values.episode}.json`)) throw new UsageError(`testbed-capture: ${dir}/${values.episode}.json does not exist; pass --dir with an AgentNetBench folder (ID.json and images/) and --episode ID`);
  const modelPath = values.model ?? defaultModelPath();
  if (!existsSync(modelPath)) throw new UsageError(`testbed-capture: model file ${modelPath} does not exist; pass --model FILE written by tools/testbed/train.py`);
  // The model was trained on 144 patches per screen; 1,024 is near the shipped screenshots' native resolution.
  const maxPatches = numberOption("testbed-capture", "max-patches", values["max-patches"], 144, 1, 1024, true);
  const model = loadTestbedModel(modelPath);
  mkdirSync(values.out, { recursive: true });
  const paths = captureAgentNetBench(model, dir, values.episode, values.out, { maxPatches });
  print(`wrote ${paths.length} captures of AgentNetBench ${values.episode} (the testbed model on the real screenshots) to ${values.out}`);
  return 0;
}
