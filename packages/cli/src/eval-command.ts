import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { answerWith, answerWithMethod, chanceOf, elementChanceOf, type EpisodeRun, fullCache, runPrefill, type TaskKind, taskKinds, withoutHistory } from "@starkv/testbed";
import { defaultModelPath, drawEvalEpisodes, evalSeed, loadTestbedModel, prepareEpisodes } from "@starkv/testbed/node";
import { listOption, numberOption, parseCommandArgs } from "./args.js";
import { table } from "./format.js";
import { createMethod, methodNames } from "./methods.js";
import { lineChartSvg, type Series } from "./plot.js";
import { ProgressBar } from "./progress.js";
import { renderPng } from "./render-png.js";
import { UsageError } from "./usage-error.js";

/** One row of `starkv eval --json`: accuracy of a method at a budget on one task kind (or `"overall"`). */
export interface AccuracyRow {
  readonly method: string;
  /**
   * Budget in percent of the prompt; null for the reference rows: "history dropped" (full
   * cache without the earlier screenshots), "random element" (a uniformly random element
   * of the current screen) and "chance" (a uniformly random click).
   */
  readonly budget: number | null;
  readonly kind: TaskKind | "overall";
  readonly accuracy: number;
  readonly episodes: number;
}

/** Default size of the held-out set: 200 episodes of each kind. */
export const defaultEvalEpisodes = 600;
/** Episodes rendered at a time. */
const evalChunk = 60;

/** Count of correct clicks per task kind, and over all kinds. */
class Tally {
  readonly #counts = new Map<string, { hit: number; total: number }>();

  add(kind: string, value: number): void {
    for (const key of [kind, "overall"]) {
      const entry = this.#counts.get(key) ?? { hit: 0, total: 0 };
      entry.hit += value;
      entry.total += 1;
      this.#counts.set(key, entry);
    }
  }

  rows(method: string, budget: number | null): AccuracyRow[] {
    return [...taskKinds, "overall" as const].flatMap((kind) => {
      const entry = this.#counts.get(kind);
      return entry === undefined ? [] : [{ method, budget, kind, accuracy: entry.hit / entry.total, episodes: entry.total }];
    });
  }
}

/**
 * `starkv eval --testbed`: task accuracy of the testbed model (a small GUI-grounding VLM
 * trained here) on held-out episodes, per method, budget and task kind. Every episode is
 * prefilled once with the full cache; each method then compresses that prefill (a fresh
 * session per episode) and the answer token is decoded on the compressed cache.
 */
export async function evalCommand(args: readonly string[], print: (line: string) => void): Promise<number> {
  const { values, positionals } = parseCommandArgs("eval", args, {
    testbed: { type: "boolean", default: false },
    methods: { type: "string", default: methodNames().join(",") },
    budgets: { type: "string", default: "5,10,20,40" },
    limit: { type: "string" },
    seed: { type: "string" },
    window: { type: "string" },
    model: { type: "string" },
    plot: { type: "string" },
    json: { type: "boolean", default: false },
  });
  if (!values.testbed) throw new UsageError("eval: pass --testbed (the only evaluation so far: the testbed model on held-out GUI episodes)");
  if (positionals.length > 0) throw new UsageError(`eval: unexpected argument ${JSON.stringify(positionals[0])}; eval --testbed takes only options`);
  const methods = listOption("eval", "methods", values.methods, "starkv,snapkv,full");
  for (const name of methods) createMethod(name, { percent: 20 }, 8); // rejects unknown names before any work
  const budgets = listOption("eval", "budgets", values.budgets, "5,10,20,40").map((b) => numberOption("eval", "budgets", b, 20, Number.MIN_VALUE, 100));
  const limit = numberOption("eval", "limit", values.limit, defaultEvalEpisodes, 1, 100000, true);
  const seed = numberOption("eval", "seed", values.seed, evalSeed, 0, 2 ** 32 - 1, true);
  const window = numberOption("eval", "window", values.window, 8, 1, 10, true);
  if (values.plot !== undefined && existsSync(values.plot) && !statSync(values.plot).isDirectory()) throw new UsageError(`eval: --plot ${values.plot} is a file; pass a folder for the charts`);
  const modelPath = values.model ?? defaultModelPath();
  if (!existsSync(modelPath)) throw new UsageError(`eval: model file ${modelPath} does not exist; pass --model FILE written by tools/testbed/train.py`);
  const model = loadTestbedModel(modelPath);

  const progress = new ProgressBar(values.json ? 0 : limit);
  const tallies = new Map<string, Tally>();
  const tally = (key: string): Tally => {
    let found = tallies.get(key);
    if (found === undefined) tallies.set(key, (found = new Tally()));
    return found;
  };
  const compressed = methods.filter((name) => name !== "full");
  const drawn = drawEvalEpisodes(limit, seed);
  // Rendered screenshots take 330 KiB each, so episodes are rendered and run in chunks.
  for (let start = 0; start < drawn.length; start += evalChunk) {
    for (const episode of await prepareEpisodes(drawn.slice(start, start + evalChunk))) {
      progress.tick(episode.kind);
      const run: EpisodeRun = runPrefill(model, episode, window);
      tally("chance").add(episode.kind, chanceOf(episode));
      tally("random element").add(episode.kind, elementChanceOf(episode));
      tally("history dropped").add(episode.kind, Number(answerWith(model, run, episode, withoutHistory(run)).correct));
      if (methods.includes("full")) tally("full").add(episode.kind, Number(answerWith(model, run, episode, run.layers.map(fullCache)).correct));
      for (const name of compressed) {
        for (const budget of budgets) tally(`${name}@${budget}`).add(episode.kind, Number(answerWithMethod(model, run, episode, createMethod(name, { percent: budget }, window)).correct));
      }
    }
  }
  progress.finish();

  const rows: AccuracyRow[] = [];
  for (const name of methods) {
    for (const budget of budgets) rows.push(...tally(name === "full" ? "full" : `${name}@${budget}`).rows(name, budget));
  }
  const referenceNames = ["history dropped", "random element", "chance"];
  const references = referenceNames.flatMap((name) => tally(name).rows(name, null));

  if (values.plot !== undefined) {
    mkdirSync(values.plot, { recursive: true });
    for (const kind of [...taskKinds, "overall" as const]) {
      const series: Series[] = methods.map((name) => ({ name, points: rows.filter((r) => r.method === name && r.kind === kind).map((r) => [r.budget!, r.accuracy] as const) }));
      const svg = lineChartSvg(`testbed accuracy, ${kind} tasks`, "budget (% of the prompt, window included)", "accuracy", series);
      writeFileSync(join(values.plot, `accuracy-${kind}.svg`), svg);
      await renderPng(svg, join(values.plot, `accuracy-${kind}.png`));
    }
  }
  if (values.json) {
    print(JSON.stringify([...rows, ...references], null, 1));
    return 0;
  }
  const counts = taskKinds.map((kind) => `${drawn.filter((e) => e.kind === kind).length} ${kind}`).join(", ");
  const modelName = values.model === undefined ? "the committed testbed model" : modelPath;
  print(`testbed accuracy on ${drawn.length} held-out episodes (${counts}; seed ${seed}; ${modelName})`);
  const columns = [...taskKinds, "overall"];
  for (const budget of budgets) {
    print("");
    print(`budget ${budget} %`);
    const body = methods.map((name) => [name, ...columns.map((kind) => formatAccuracy(rows.find((r) => r.method === name && r.budget === budget && r.kind === kind)?.accuracy))]);
    for (const line of table(["method", ...columns], body)) print(`  ${line}`);
  }
  print("");
  print("references: history dropped = the full cache without the earlier screenshots; random element = a uniformly");
  print("random element of the current screen; chance = a uniformly random click");
  const body = referenceNames.map((name) => [name, ...columns.map((kind) => formatAccuracy(references.find((r) => r.method === name && r.kind === kind)?.accuracy))]);
  for (const line of table(["reference", ...columns], body)) print(`  ${line}`);
  if (values.plot !== undefined) print(`\nplots written to ${values.plot}`);
  return 0;
}

function formatAccuracy(value: number | undefined): string {
  return value === undefined ? "-" : `${(100 * value).toFixed(1)} %`;
}
