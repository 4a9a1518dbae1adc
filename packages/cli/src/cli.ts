import { CaptureError } from "@starkv/capture";
import { OptionsError } from "@starkv/core";
import { TestbedError } from "@starkv/testbed";
import { benchCommand } from "./bench-command.js";
import { compareCommand } from "./compare-command.js";
import { compressCommand } from "./compress-command.js";
import { conformanceCommand } from "./conformance-command.js";
import { evalCommand } from "./eval-command.js";
import { testbedCaptureCommand } from "./testbed-capture-command.js";
import { testbedDataCommand } from "./testbed-data-command.js";
import { planCommand } from "./plan-command.js";
import { scoreCommand } from "./score-command.js";
import { UsageError } from "./usage-error.js";

export const usage = `Usage: starkv <command> [options]

Commands:
  compress [CAPTURE]  Compress every captured layer of a capture with one session.
                      Without CAPTURE: the embedded default (real captures of the
                      starkv testbed model on the 11 real screenshots of the
                      AgentNetBench Spotify trajectory).
      --method NAME     compression method (default starkv): starkv, snapkv,
                        snapkv-per-head, guikv, guikv-subspace, pyramidkv, adakv,
                        streamingllm, h2o, vlcache, random, full
      --budget PERCENT  kept share of the prompt, window included (default 20)
      --window N        observation window (default 8)
      --trajectory DIR  run the captures of DIR in step order with one session per
                        episode (DIR's own captures; each subfolder is an episode)
      --out FILE        write the compressed capture (single CAPTURE only)
      --synthetic       instead of the embedded default: the same trajectory as
                        UI-TARS-1.5-7B sees it, with seeded synthetic tensors
      --json            print per layer { layer, capacity, window, kept } and the session
  compare [CAPTURE…]  Run every method at every budget on the same captures (default:
                      the embedded default; --synthetic: the synthetic UI-TARS-1.5-7B
                      source) and print a table per metric.
      --methods LIST    comma-separated (default: every method)
      --budgets LIST    percents (default 10,20,40)
      --steps N         only the first N steps   --window N
      --plot DIR        write an SVG and a PNG chart per metric
      --json            print { method, budget, metric, value } rows
  plan                Print the memory model before and after compression.
      --model NAME      ui-tars-1.5-7b (default), qwen2.5-vl-3b, qwen2.5-vl-32b, opencua-7b
      --config FILE     a model configuration JSON instead of a preset: { name, layers,
                        queryHeads, kvHeads, headDim, hidden, intermediate, vocab,
                        tiedEmbeddings?, vision?: { depth, hidden, intermediate, heads,
                        patch, merge, temporalPatch } }
      --screens SPEC    COUNTxWIDTHxHEIGHT screenshots (default 5x1920x1080)
      --text-tokens N   text tokens besides the images (default 600)
      --budget PERCENT  (default 20)   --max-pixels N   image processor limit
      --attention eager|flash (default eager)   --logits all|last (default all)
      --json            print every term
  score --attention FILE
                      Run window scoring and the STaR-KV axes on real post-softmax
                      attention [1, heads, T, T] (.npz or .npy) and report the kept
                      tokens per image tile. --tokens FILE (token strings .npy),
                      --marker TOKEN (default <image>), --kv-heads N (default
                      heads/3 when it divides, as SmolVLM), --window N,
                      --budget PERCENT, --warm-steps N, --json
  bench               Time one compression step at UI-TARS-1.5-7B shapes per backend
                      (median ms, peak memory). [--json] [--case NAME]
                      [--backend fast-cpu|cpu] [--threads N] [--runs N] [--profile]
                      [--floor] [--compare FILE]; results in docs/benchmarks.md
  conformance DIR     Run every reference fixture file (*.json) in DIR through the
                      library; prints one line per case and "N passed, M failed".
                      Exit code 1 when a case fails.
  eval --testbed      Task accuracy of the testbed model (a small GUI-grounding VLM
                      trained here) on held-out episodes rendered in Chromium, per
                      method, budget and task kind (attribute, text, history).
      --methods LIST    comma-separated (default: every method)
      --budgets LIST    percents (default 5,10,20,40)
      --limit N         episodes (default 600, the kinds in turn)
      --seed N          held-out set (default 9001)   --window N  (default 8, at most 10)
      --model FILE      weights (default: the committed testbed model)
      --plot DIR        write an SVG and a PNG chart per task kind
      --json            print { method, budget, kind, accuracy, episodes } rows
  testbed-data --out DIR
                      Render a training set for tools/testbed/train.py in Chromium.
      --layouts N       seeded layouts (default 1500)   --seed N (default 1)
      --screens N       screens per layout (default 6: none selected, then one each)
  testbed-capture --out DIR
                      Run the testbed model on a real AgentNetBench trajectory and write
                      one capture per step (how the embedded default was made).
      --episode ID      (default s_7f27a11115e596eb)   --dir DIR  AgentNetBench folder
      --model FILE      --max-patches N  patches per screenshot (default 144, at most 1024)
  help                Show this text.

Exit codes: 0 success, 1 a check failed, 2 invalid command line or input.`;

/** Runs the CLI with `args` (without `node` and the script) and returns the exit code. */
export async function runCli(args: readonly string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        if (command === undefined) {
          err(usage);
          return 2;
        }
        out(usage);
        return 0;
      case "compress":
        return compressCommand(rest, out);
      case "eval":
        return await evalCommand(rest, out);
      case "testbed-data":
        return await testbedDataCommand(rest, out);
      case "testbed-capture":
        return testbedCaptureCommand(rest, out);
      case "bench":
        return benchCommand(rest, out);
      case "compare":
        return await compareCommand(rest, out);
      case "plan":
        return planCommand(rest, out);
      case "score":
        return scoreCommand(rest, out);
      case "conformance":
        return conformanceCommand(rest, out);
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; run "starkv help" for the list of commands`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof CaptureError || error instanceof OptionsError || error instanceof TestbedError) {
      err(`starkv: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
