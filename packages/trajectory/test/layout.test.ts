import { fileURLToPath } from "node:url";
import { parseAgentTrajectory, pngSize } from "@starkv/trajectory";
import { defaultEpisodeId, loadAgentNetBenchEpisode } from "@starkv/trajectory/node";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL("../../../fixtures/gui/agentnetbench", import.meta.url));
const episode = loadAgentNetBenchEpisode(dir, defaultEpisodeId);

describe("Spotify episode layout", () => {
  it("has one layout per step", () => {
    expect(episode.steps).toHaveLength(11);
  });

  it("keeps at most five screenshots", () => {
    expect(episode.steps.map((step) => step.images.length)).toEqual([1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5]);
  });

  it("gives each 1212×758 screenshot a 27×43 grid", () => {
    for (const step of episode.steps) {
      for (const image of step.images) {
        expect(image.grid).toEqual([27, 43]);
        expect(image.span[1] - image.span[0]).toBe(1161);
      }
    }
  });

  it("covers the prompt with contiguous segments", () => {
    for (const step of episode.steps) {
      expect(step.segments[0]!.start).toBe(0);
      for (let i = 1; i < step.segments.length; i++) expect(step.segments[i]!.start).toBe(step.segments[i - 1]!.end);
      expect(step.segments.at(-1)!.end).toBe(step.seqLen);
    }
  });

  it("ends every prompt with at least 8 text tokens", () => {
    for (const step of episode.steps) expect(step.seqLen - step.images.at(-1)!.span[1]).toBeGreaterThanOrEqual(8);
  });

  it("places target tokens inside their screenshot", () => {
    const withTargets = episode.steps.flatMap((step) => step.images).filter((image) => image.targetTokens.length > 0);
    expect(withTargets.length).toBeGreaterThan(0);
    for (const image of withTargets) {
      expect(image.targetTokens[0]).toBeGreaterThanOrEqual(image.span[0]);
      expect(image.targetTokens.at(-1)).toBeLessThan(image.span[1]);
    }
  });

  it("maps the first target box to its grid cells", () => {
    // Step 0's box is x 281.25..1075.3, y 453.34..513.1 on a 1212×758 screenshot resized
    // to 1204×756 (28-pixel cells): columns 10..38 and rows 16..18 of 43 columns.
    const image = episode.steps[0]!.images[0]!;
    const cells = Array.from(image.targetTokens, (position) => position - image.span[0]);
    const rows = new Set(cells.map((cell) => Math.floor(cell / 43)));
    const cols = new Set(cells.map((cell) => cell % 43));
    expect(Math.min(...rows)).toBe(Math.floor((453.34 * 756) / 758 / 28));
    expect(Math.max(...rows)).toBe(Math.floor(((453.34 + 59.76) * 756) / 758 / 28));
    expect(Math.min(...cols)).toBe(Math.floor((281.25 * 1204) / 1212 / 28));
    expect(Math.max(...cols)).toBe(Math.floor(((281.25 + 794.05) * 1204) / 1212 / 28));
  });
});

describe("parseAgentTrajectory", () => {
  it("names the missing field", () => {
    expect(() => parseAgentTrajectory({ task_id: "x", user_task_description: "y", steps: [{}] }, "t.json")).toThrow(/t\.json field steps\[0\]\.image/);
  });

  it("rejects an empty trajectory", () => {
    expect(() => parseAgentTrajectory({ task_id: "x", user_task_description: "y", steps: [] }, "t.json")).toThrow(/steps/);
  });
});

describe("pngSize", () => {
  it("reads a real screenshot", () => {
    expect(pngSize(readFileSync(`${dir}/images/${defaultEpisodeId}_0.png`), "step 0")).toEqual([1212, 758]);
  });

  it("rejects other bytes", () => {
    expect(() => pngSize(new Uint8Array(40), "zeros")).toThrow(/not a PNG/);
  });
});
