import { writeTrainingSet } from "@starkv/testbed/node";
import { numberOption, parseCommandArgs, requireEmptyFolder } from "./args.js";
import { ProgressBar } from "./progress.js";
import { UsageError } from "./usage-error.js";

/**
 * `starkv testbed-data --out DIR`: renders a training set for `tools/testbed/train.py`
 * (seeded layouts, each rendered with nothing selected and with one element selected per
 * further screen).
 */
export async function testbedDataCommand(args: readonly string[], print: (line: string) => void): Promise<number> {
  const { values, positionals } = parseCommandArgs("testbed-data", args, {
    out: { type: "string" },
    layouts: { type: "string" },
    seed: { type: "string" },
    screens: { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError(`testbed-data: unexpected argument ${JSON.stringify(positionals[0])}; pass --out DIR`);
  if (values.out === undefined) throw new UsageError("testbed-data: pass --out DIR, the folder to write screens.u8 and dataset.json to");
  requireEmptyFolder("testbed-data", values.out);
  const layouts = numberOption("testbed-data", "layouts", values.layouts, 1500, 1, 1_000_000, true);
  const seed = numberOption("testbed-data", "seed", values.seed, 1, 0, 2 ** 32 - 1, true);
  const screensPerLayout = numberOption("testbed-data", "screens", values.screens, 6, 1, 12, true);
  const progress = new ProgressBar(layouts * screensPerLayout);
  const written = await writeTrainingSet(values.out, { layouts, seed, screensPerLayout, size: { shapes: [1, 6], texts: [0, 5] }, onScreen: () => progress.tick("screens") });
  progress.finish();
  print(`wrote ${written.screens} screens and ${written.queries} single-screen queries of ${layouts} layouts (seed ${seed}) to ${values.out}`);
  return 0;
}
