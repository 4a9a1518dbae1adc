import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { uiTarsShape } from "@starkv/trajectory";
import { describe, expect, it } from "vitest";
import { embeddedEpisodeId, embeddedLayers, embeddedSource, screenshotSizes } from "../src/embedded-source.js";

const imageDir = fileURLToPath(new URL("../../../fixtures/gui/agentnetbench/images/", import.meta.url));
const urls = Object.fromEntries(
  readdirSync(imageDir)
    .filter((name) => name.startsWith(embeddedEpisodeId))
    .map((name) => [name, `file-url-of/${name}`]),
);

describe("embeddedSource", async () => {
  const sizes = await screenshotSizes(urls, (url) => Promise.resolve(new Uint8Array(readFileSync(imageDir + url.slice("file-url-of/".length)))));
  const source = embeddedSource(3, urls, sizes);

  it("lays out the 11 steps of the Spotify episode", () => {
    expect(source.info).toMatchObject({ id: 3, kind: "embedded", synthetic: true, modelName: "UI-TARS-1.5-7B", modelLayers: 28, layers: embeddedLayers });
    expect(source.info.steps).toHaveLength(11);
    expect(source.info.title).toContain("Vampire Weekend");
  });

  it("shows up to five screenshots per step, oldest first, with their URLs", () => {
    const counts = source.info.steps.map((step) => step.images.length);
    expect(counts).toEqual([1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5]);
    const last = source.info.steps.at(-1)!;
    for (const image of last.images) {
      expect(image.url).toBe(`file-url-of/${image.label}`);
      expect(image.grid[0] * image.grid[1]).toBe(image.span[1] - image.span[0]);
    }
    for (let i = 1; i < last.images.length; i++) expect(last.images[i]!.span[0]).toBeGreaterThan(last.images[i - 1]!.span[1]);
  });

  it("maps the human target boxes to tokens", () => {
    const first = source.info.steps[0]!.images[0]!;
    expect(first.targets.length).toBeGreaterThan(0);
    expect(first.targetTokens.length).toBeGreaterThan(0);
    expect(first.targetTokens.every((position) => position >= first.span[0] && position < first.span[1])).toBe(true);
  });

  it("generates UI-TARS-shaped synthetic tensors", () => {
    const input = source.layerInput(0, 0);
    const seqLen = source.info.steps[0]!.seqLen;
    expect(input.keys.shape).toEqual([uiTarsShape.kvHeads, seqLen, uiTarsShape.headDim]);
    expect(input.queries.shape).toEqual([uiTarsShape.queryHeads, uiTarsShape.window, uiTarsShape.headDim]);
    expect(input.spans).toEqual([{ start: 98, end: 1259, grid: [27, 43] }]);
    expect(() => source.layerInput(11, 0)).toThrow(/step 11 does not exist; the episode has steps 0 to 10/);
  });
});
