import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { embeddedEpisodeId, embeddedSource, fetchCaptures } from "../src/embedded-source.js";

const captureDir = fileURLToPath(new URL(`../../../fixtures/testbed-captures/${embeddedEpisodeId}/`, import.meta.url));
const names = readdirSync(captureDir)
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.slice(0, -".json".length))
  .sort();
const urls = names.map((name) => ({ name, sidecar: `${name}.json`, tensors: `${name}.safetensors` }));
const imageUrls = { [`${embeddedEpisodeId}_0.png`]: "file-url-of/first.png" };

describe("embeddedSource", async () => {
  const captures = await fetchCaptures(urls, (file) => Promise.resolve(new Uint8Array(readFileSync(captureDir + file))));
  const source = embeddedSource(3, captures, imageUrls);

  it("holds the 11 steps of the Spotify episode as real testbed-model captures", () => {
    expect(source.info).toMatchObject({ id: 3, kind: "embedded", synthetic: false, modelName: "starkv-testbed", modelLayers: 4, layers: [0, 1, 2, 3], window: 8 });
    expect(source.info.steps).toHaveLength(11);
    expect(source.info.title).toContain("Vampire Weekend");
  });

  it("lists screenshots oldest first", () => {
    const counts = source.info.steps.map((step) => step.images.length);
    expect(counts).toEqual([1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5]);
    expect(source.info.steps[0]!.images[0]!.url).toBe("file-url-of/first.png");
    const last = source.info.steps.at(-1)!;
    for (const image of last.images) expect(image.grid[0] * image.grid[1]).toBe(image.span[1] - image.span[0]);
    for (let i = 1; i < last.images.length; i++) expect(last.images[i]!.span[0]).toBeGreaterThan(last.images[i - 1]!.span[1]);
  });

  it("maps the human target boxes to tokens", () => {
    const first = source.info.steps[0]!.images[0]!;
    expect(first.targets.length).toBeGreaterThan(0);
    expect(first.targetTokens.length).toBeGreaterThan(0);
    expect(first.targetTokens.every((position) => position >= first.span[0] && position < first.span[1])).toBe(true);
  });

  it("returns the captured tensors of a step and names what exists otherwise", () => {
    const input = source.layerInput(0, 0);
    const seqLen = source.info.steps[0]!.seqLen;
    expect(input.keys.shape).toEqual([2, seqLen, 32]);
    expect(input.queries.shape).toEqual([8, 8, 32]);
    expect(input.evalQueries?.shape).toEqual([8, 1, 32]);
    expect(() => source.layerInput(11, 0)).toThrow(/step 11, layer 0 does not exist; the episode has steps 0 to 10 and layers 0, 1, 2, 3/);
  });

  it("rejects captures of different models", () => {
    const other = { ...captures[1]!, capture: { ...captures[1]!.capture, sidecar: { ...captures[1]!.capture.sidecar, layers: [0, 1] } } };
    expect(() => embeddedSource(4, [captures[0]!, other], imageUrls)).toThrow(/capture step-01 .* every step must match starkv-testbed with layers 0, 1, 2, 3/);
  });
});
