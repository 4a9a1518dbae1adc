import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { runEntropyBudget, runOnlinePrior, runSpatialBoost, runTemporal } from "./run-axes.js";
import { runBudgetCapacity, runGridShape, runGroupMI, runGroupWeights, runMIScore } from "./run-basics.js";
import { type CaseResult, runCase } from "./checker.js";
import { Fields } from "./fields.js";
import { runUpdateKV } from "./run-update-kv.js";
import { runWindowPool } from "./run-window-pool.js";

type Runner = (file: string, root: Fields) => CaseResult[];

/** Fixture kinds, told apart by the reference function their `what` line names. */
const kinds: readonly { readonly kind: string; readonly what: RegExp; readonly run: Runner }[] = [
  { kind: "budget_capacity", what: /^capacity = trunc/, run: runBudgetCapacity },
  { kind: "vision_grid_shape", what: /^vision_grid_shape\(/, run: runGridShape },
  { kind: "mi_score_2d", what: /^strict_mi_score_2d\(/, run: runMIScore },
  { kind: "mi_group_scores", what: /^mi_from_group_scores\(/, run: runGroupMI },
  { kind: "mi_group_weights", what: /^mi_to_group_weights\(/, run: runGroupWeights },
  { kind: "mi_online_prior", what: /^apply_mi_prior\(/, run: runOnlinePrior },
  { kind: "spatial_boost", what: /^apply_starkv_spatial_to_attn_cache\(/, run: runSpatialBoost },
  { kind: "aeb", what: /^compute_entropy_temperature\(/, run: runEntropyBudget },
  { kind: "temporal", what: /^temporal_apply_to_scaled\(/, run: runTemporal },
  { kind: "window_pool", what: /^_RecentWindowKVPool\.update_kv/, run: runWindowPool },
  { kind: "update_kv", what: /^STARKVGroupCluster\.update_kv/, run: runUpdateKV },
];

/** Returns the fixture kind of a parsed file: by its `what` line, else by its file name. */
export function fixtureKind(file: string, root: Fields): string | undefined {
  const what = typeof root.value["what"] === "string" ? root.value["what"] : "";
  const byWhat = kinds.find((entry) => entry.what.test(what));
  if (byWhat !== undefined) return byWhat.kind;
  const stem = basename(file, ".json");
  return kinds.find((entry) => stem === entry.kind || stem.startsWith(`${entry.kind}_`))?.kind;
}

/**
 * Runs every case of one fixture file through the public API.
 * A file that cannot be read or parsed, or whose kind is unknown, yields one failed case.
 */
export function runFixtureFile(path: string): CaseResult[] {
  const file = basename(path);
  let root: Fields;
  try {
    root = Fields.of(JSON.parse(readFileSync(path, "utf8")), file);
  } catch (error) {
    return [runCase(file, "read the file", () => {
      throw error;
    })];
  }
  const kind = fixtureKind(file, root);
  const entry = kinds.find((candidate) => candidate.kind === kind);
  if (entry === undefined) {
    return [runCase(file, "recognise the fixture kind", () => {
      throw new Error(`unknown fixture kind: its "what" line names no reference function this runner knows (${kinds.map((k) => k.kind).join(", ")})`);
    })];
  }
  try {
    return entry.run(file, root);
  } catch (error) {
    return [runCase(file, "list the cases", () => {
      throw error;
    })];
  }
}

/** Lists the `*.json` fixture files of a directory (not recursive), sorted by name. */
export function fixtureFiles(directory: string): string[] {
  if (!statSync(directory).isDirectory()) throw new Error(`${directory} is not a directory; pass the folder that holds the fixture *.json files`);
  return readdirSync(directory)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => join(directory, name));
}

/** Runs every fixture file of a directory. */
export function runFixtureDirectory(directory: string): CaseResult[] {
  return fixtureFiles(directory).flatMap(runFixtureFile);
}
