import { fileURLToPath } from "node:url";
import { runFixtureDirectory } from "@starkv/conformance";
import { describe, expect, it } from "vitest";

const golden = fileURLToPath(new URL("../../../fixtures/golden", import.meta.url));
const results = runFixtureDirectory(golden);

describe("reference fixtures", () => {
  it("cover every shipped file", () => {
    const files = new Set(results.map((result) => result.file));
    expect(files.size).toBe(13);
  });

  it.each(results.map((result) => [`${result.file} ${result.name}`, result] as const))("%s", (_, result) => {
    expect(result.failures).toEqual([]);
    expect(result.checks).toBeGreaterThan(0);
  });
});
