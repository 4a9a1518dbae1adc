import { fileURLToPath } from "node:url";
import { Session, windowAttention } from "@starkv/core";
import { createStarKV } from "@starkv/starkv";
import { syntheticLayer, uiTarsShape } from "@starkv/trajectory";
import { defaultEpisodeId, loadAgentNetBenchEpisode } from "@starkv/trajectory/node";
import { describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL("../../../fixtures/gui/agentnetbench", import.meta.url));
const episode = loadAgentNetBenchEpisode(dir, defaultEpisodeId);
const small = { ...uiTarsShape, queryHeads: 8, kvHeads: 2, headDim: 32 };

describe("syntheticLayer", () => {
  it("repeats for a seed", () => {
    const a = syntheticLayer(episode.steps[1]!, small, 3, 28, 7);
    const b = syntheticLayer(episode.steps[1]!, small, 3, 28, 7);
    expect(a.keys.data).toEqual(b.keys.data);
    expect(a.queries.data).toEqual(b.queries.data);
  });

  it("differs between seeds", () => {
    const a = syntheticLayer(episode.steps[1]!, small, 3, 28, 7);
    const b = syntheticLayer(episode.steps[1]!, small, 3, 28, 8);
    expect(a.keys.data).not.toEqual(b.keys.data);
  });

  it("keeps a screenshot's keys across steps", () => {
    const earlier = episode.steps[2]!;
    const later = episode.steps[3]!;
    const image = earlier.images.at(-1)!;
    const again = later.images.find((candidate) => candidate.step === image.step)!;
    const a = syntheticLayer(earlier, small, 5, 28, 7);
    const b = syntheticLayer(later, small, 5, 28, 7);
    const d = small.headDim;
    // KV head 0 of each layer: the screenshot's rows, wherever the prompt places them.
    const rows = (layer: typeof a, start: number) => layer.keys.data.subarray(start * d, (start + 1161) * d);
    expect(rows(a, image.span[0])).toEqual(rows(b, again.span[0]));
  });

  it("draws window attention to the target", () => {
    const step = episode.steps[0]!;
    const layer = syntheticLayer(step, small, 27, 28, 7);
    const { sums } = windowAttention(layer.queries, layer.keys, small.window);
    const pastLength = step.seqLen - small.window;
    const image = step.images[0]!;
    const targets = new Set(image.targetTokens);
    let target = 0;
    let other = 0;
    for (let h = 0; h < small.queryHeads; h++) {
      for (let j = image.span[0]; j < image.span[1]; j++) {
        if (targets.has(j)) target += sums[h * pastLength + j]!;
        else other += sums[h * pastLength + j]!;
      }
    }
    const targetMean = target / targets.size;
    const otherMean = other / (image.span[1] - image.span[0] - targets.size);
    expect(targetMean).toBeGreaterThan(5 * otherMean);
  });

  it("lets STaR-KV keep most target tokens", () => {
    const step = episode.steps[0]!;
    const layer = syntheticLayer(step, small, 27, 28, 7);
    const result = createStarKV().compress(new Session(), 27, { ...layer, spans: step.images.map((image) => ({ start: image.span[0], end: image.span[1] })) });
    const kept = new Set(result.positions);
    const targets = step.images[0]!.targetTokens;
    const hit = Array.from(targets).filter((position) => kept.has(position)).length;
    expect(hit / targets.length).toBeGreaterThan(0.8);
  });
});
