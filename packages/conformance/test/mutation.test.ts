import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runFixtureFile } from "@starkv/conformance";
import { afterAll, describe, expect, it } from "vitest";

const golden = fileURLToPath(new URL("../../../fixtures/golden", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "starkv-fixtures-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Encoded {
  shape: number[];
  data?: number[];
  ints?: number[];
}

function mutated(file: string, edit: (root: Record<string, unknown>) => void): string {
  const root = JSON.parse(readFileSync(join(golden, file), "utf8")) as Record<string, unknown>;
  edit(root);
  const path = join(scratch, file);
  writeFileSync(path, JSON.stringify(root));
  return path;
}

describe("conformance runner", () => {
  it("fails a changed kept index", () => {
    const path = mutated("update_kv_main.json", (root) => {
      const trajectory = (root["trajectories"] as Record<string, unknown>[])[0]!;
      const call = (trajectory["calls"] as Record<string, unknown>[])[2]!;
      const kept = ((call["per_batch"] as Record<string, unknown>[])[0]!["kept_indices"] as Encoded).data!;
      kept[0] = kept[0]! + 1;
    });
    const [result] = runFixtureFile(path);
    expect(result?.passed).toBe(false);
    expect(result?.failures.join("\n")).toContain("kept indices");
  });

  it("fails a changed MI value", () => {
    const path = mutated("mi_score_2d.json", (root) => {
      const first = (root["cases"] as Record<string, unknown>[])[0]!;
      first["mi"] = (first["mi"] as number) * (1 + 1e-6);
    });
    expect(runFixtureFile(path)[0]?.passed).toBe(false);
  });

  it("reports an unknown fixture kind", () => {
    const path = join(scratch, "other.json");
    writeFileSync(path, JSON.stringify({ what: "something else", cases: [] }));
    const [result] = runFixtureFile(path);
    expect(result?.passed).toBe(false);
    expect(result?.failures[0]).toContain("unknown fixture kind");
  });

  it("reports invalid JSON", () => {
    const path = join(scratch, "broken.json");
    writeFileSync(path, "{ not json");
    expect(runFixtureFile(path)[0]?.passed).toBe(false);
  });
});
