import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "./support/run-cli.js";

const scratch = mkdtempSync(join(tmpdir(), "starkv-compare-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("starkv compare", () => {
  it("prints method, budget, metric rows", async () => {
    const plots = join(scratch, "plots");
    const { code, text } = await run(["compare", "--methods", "starkv,full,random", "--budgets", "10,40", "--steps", "1", "--json", "--plot", plots]);
    expect(code).toBe(0);
    const rows = JSON.parse(text) as { method: string; budget: number; metric: string; value: number }[];
    const value = (method: string, budget: number, metric: string) => rows.find((r) => r.method === method && r.budget === budget && r.metric === metric)!.value;
    expect(value("full", 10, "recall-window")).toBe(1);
    expect(value("full", 10, "output-error")).toBe(0);
    expect(value("starkv", 10, "recall-window")).toBeLessThan(1);
    expect(value("starkv", 40, "recall-window")).toBeGreaterThan(value("starkv", 10, "recall-window"));
    expect(value("starkv", 10, "recall-window")).toBeGreaterThan(value("random", 10, "recall-window"));
    const png = readFileSync(join(plots, "recall-window.png"));
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(existsSync(join(plots, "recall-window.svg"))).toBe(true);
  }, 120_000);

  it("rejects an unknown method before any work", async () => {
    const { code, err } = await run(["compare", "--methods", "starkv,nope"]);
    expect(code).toBe(2);
    expect(err).toContain("unknown method");
  });

  it("rejects a bad budget", async () => {
    expect((await run(["compare", "--budgets", "10,abc"])).code).toBe(2);
  });
});
