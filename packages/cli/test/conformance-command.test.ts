import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "./support/run-cli.js";

const golden = fileURLToPath(new URL("../../../fixtures/golden", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "starkv-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("starkv conformance", () => {
  it("passes the shipped fixtures", async () => {
    const { code, text } = await run(["conformance", golden]);
    expect(code).toBe(0);
    expect(text.split("\n").at(-1)).toMatch(/^\d+ passed, 0 failed$/);
  });

  it("exits 1 on a failing case", async () => {
    writeFileSync(join(scratch, "mi_group_weights.json"), JSON.stringify({
      what: "mi_to_group_weights(mi, tau)",
      cases: [{ name: "wrong", mi: { dtype: "float32", shape: [2], data: [0, 1] }, tau: 1, w: { dtype: "float32", shape: [2], data: [0.5, 0.5] } }],
    }));
    const { code, text } = await run(["conformance", scratch]);
    expect(code).toBe(1);
    expect(text.split("\n").at(-1)).toBe("0 passed, 1 failed");
  });

  it("exits 2 on a missing folder", async () => {
    const { code, err } = await run(["conformance", join(scratch, "missing")]);
    expect(code).toBe(2);
    expect(err).toContain("does not exist");
  });

  it("exits 2 on an unknown command", async () => {
    expect((await run(["compres"])).code).toBe(2);
  });
});
