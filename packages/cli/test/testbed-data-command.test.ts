import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromiumPath } from "@starkv/testbed/node";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "./support/run-cli.js";

const scratch = mkdtempSync(join(tmpdir(), "starkv-testbed-data-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("testbed-data: bad input", () => {
  it("asks for --out and refuses a folder that holds files", async () => {
    expect((await run(["testbed-data"])).err).toMatch(/pass --out DIR/);
    const dir = mkdtempSync(join(scratch, "case-"));
    writeFileSync(join(dir, "keep.txt"), "mine");
    const result = await run(["testbed-data", "--out", dir]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/exists and is not an empty folder/);
    expect(readFileSync(join(dir, "keep.txt"), "utf8")).toBe("mine");
  });
});

describe.skipIf(!existsSync(chromiumPath()))("testbed-data", () => {
  if (!existsSync(chromiumPath())) console.warn(`skipped: no Chromium at ${chromiumPath()}; run .ci/install-chromium.sh or set STARKV_CHROMIUM`);
  it("writes the screens and a dataset the trainer reads", async () => {
    const dir = join(mkdtempSync(join(scratch, "case-")), "set");
    const result = await run(["testbed-data", "--out", dir, "--layouts", "3", "--seed", "5", "--screens", "2"]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const dataset = JSON.parse(readFileSync(join(dir, "dataset.json"), "utf8")) as { screens: number; gridSize: number; patchSize: number; layouts: { screens: number[]; boxes: number[][] }[] };
    expect(dataset.layouts).toHaveLength(3);
    const side = dataset.gridSize * dataset.patchSize;
    expect(statSync(join(dir, "screens.u8")).size).toBe(dataset.screens * side * side * 3);
    expect(dataset.layouts.flatMap((layout) => layout.screens)).toEqual(Array.from({ length: dataset.screens }, (_, i) => i));
    expect(result.text).toMatch(new RegExp(`wrote ${dataset.screens} screens`));
  }, 60_000);
});
