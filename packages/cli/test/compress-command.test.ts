import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CaptureSidecar, type LayerTensors, openCapture, writeCapture } from "@starkv/capture";
import { tensor } from "@starkv/core";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "./support/run-cli.js";

const scratch = mkdtempSync(join(tmpdir(), "starkv-compress-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const golden = fileURLToPath(new URL("../../../fixtures/golden", import.meta.url));

interface Encoded { shape: number[]; data?: number[]; ints?: number[]; scale?: number }
const values = (t: Encoded): Float32Array => Float32Array.from(t.ints !== undefined ? t.ints.map((n) => n * (t.scale ?? 1)) : t.data!);

interface FixtureCall {
  q_len: number;
  spans: [number, number][];
  inputs: { query_window: Encoded; key: Encoded; value: Encoded; hidden_dim: number; hidden_rows: [number, number]; hidden_states_rows: Encoded };
  per_batch: { kept_indices: Encoded }[];
  window_size: number;
}

/** Writes each call of the reference's main trajectory as one capture of a one-layer model. */
function fixtureTrajectory(dir: string): FixtureCall[] {
  const root = JSON.parse(readFileSync(join(golden, "update_kv_main.json"), "utf8")) as { trajectories: { calls: FixtureCall[] }[] };
  const calls = root.trajectories[0]!.calls;
  mkdirSync(dir, { recursive: true });
  for (const [n, call] of calls.entries()) {
    const { inputs } = call;
    const seqLen = call.q_len;
    const norms = new Float32Array(seqLen);
    const rows = values(inputs.hidden_states_rows);
    const width = inputs.hidden_dim;
    for (let r = 0; r < inputs.hidden_rows[1] - inputs.hidden_rows[0]; r++) {
      let sum = 0;
      for (let d = 0; d < width; d++) sum += rows[r * width + d]! ** 2;
      norms[inputs.hidden_rows[0] + r] = Math.sqrt(sum);
    }
    const layer: LayerTensors = {
      queries: tensor(values(inputs.query_window), inputs.query_window.shape.slice(1)),
      keys: tensor(values(inputs.key), inputs.key.shape.slice(1)),
      values: tensor(values(inputs.value), inputs.value.shape.slice(1)),
      hidden: tensor(norms, [seqLen]),
    };
    const sidecar: CaptureSidecar = {
      format: "starkv-capture/1",
      model: { name: "fixture", layers: 1, queryHeads: 8, kvHeads: 2, headDim: 8, hidden: width },
      layers: [0],
      window: 8,
      seqLen,
      images: call.spans.map(([start, end], i) => ({ step: i, span: [start, end], grid: [1, end - start] })),
    };
    writeCapture(join(dir, `step${n}`), sidecar, new Map([[0, layer]]));
  }
  return calls;
}

describe("starkv compress", () => {
  it("matches the reference on its own trajectory", async () => {
    const dir = join(scratch, "fixture-trajectory");
    const calls = fixtureTrajectory(dir);
    const { code, text, err } = await run(["compress", "--trajectory", dir, "--json"]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(text) as { episodes: { steps: { layers: { kept: number[]; window: number }[] }[] }[] };
    const steps = report.episodes[0]!.steps;
    expect(steps).toHaveLength(calls.length);
    for (const [n, call] of calls.entries()) {
      const past = Array.from(values(call.per_batch[0]!.kept_indices));
      const window = Array.from({ length: call.window_size }, (_, i) => call.q_len - call.window_size + i);
      expect(steps[n]!.layers[0]!.kept).toEqual([...past, ...window]);
    }
  });

  it("writes a compressed capture that reads back", async () => {
    const dir = join(scratch, "single");
    fixtureTrajectory(dir);
    const out = join(scratch, "compressed");
    const { code } = await run(["compress", join(dir, "step0.json"), "--out", out]);
    expect(code).toBe(0);
    const capture = openCapture(out);
    expect(capture.sidecar.seqLen).toBe(26);
    expect(capture.readLayer(0).keys.shape).toEqual([2, 26, 8]);
    capture.close();

    const again = await run(["compress", join(dir, "step0.json"), "--out", out]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/--out would replace .*compressed\.json and .*compressed\.safetensors; remove it or choose another name/);
    const folder = await run(["compress", join(dir, "step0.json"), "--out", scratch]);
    expect(folder.code).toBe(2);
    expect(folder.err).toMatch(/is a folder; pass a capture name/);
  });

  it("runs the embedded default: real captures of the testbed model", async () => {
    const { code, text } = await run(["compress", "--json"]);
    expect(code).toBe(0);
    const report = JSON.parse(text) as { tensors: string; episodes: { name: string; steps: { seqLen: number; layers: { capacity: number; kept: number[] }[] }[] }[] };
    expect(report.tensors).toBe("captured");
    expect(report.episodes[0]!.name).toMatch(/testbed model on the real screenshots/);
    const steps = report.episodes[0]!.steps;
    expect(steps).toHaveLength(11);
    for (const step of steps) {
      expect(step.layers).toHaveLength(4);
      for (const layer of step.layers) {
        expect(layer.capacity).toBe(Math.trunc(step.seqLen * 0.2));
        expect(layer.kept).toHaveLength(layer.capacity);
      }
    }
  }, 120_000);

  it("runs the synthetic UI-TARS-1.5-7B source with --synthetic", async () => {
    const { code, text } = await run(["compress", "--synthetic", "--json"]);
    expect(code).toBe(0);
    const report = JSON.parse(text) as { tensors: string; episodes: { steps: { seqLen: number; layers: { capacity: number; kept: number[] }[] }[] }[] };
    expect(report.tensors).toBe("synthetic tensors");
    const steps = report.episodes[0]!.steps;
    expect(steps).toHaveLength(11);
    for (const step of steps) {
      for (const layer of step.layers) {
        expect(layer.capacity).toBe(Math.trunc(step.seqLen * 0.2));
        expect(layer.kept).toHaveLength(layer.capacity);
      }
    }
    const mixed = await run(["compress", "--synthetic", "--trajectory", "."]);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toMatch(/--synthetic replaces the embedded default/);
  }, 120_000);

  it("rejects an unknown method", async () => {
    const { code, err } = await run(["compress", "--method", "nope"]);
    expect(code).toBe(2);
    expect(err).toContain("unknown method");
  });

  it("rejects a missing capture", async () => {
    const { code, err } = await run(["compress", join(scratch, "missing.safetensors")]);
    expect(code).toBe(2);
    expect(err).toContain("missing");
  });

  it("rejects a budget out of range", async () => {
    expect((await run(["compress", "--budget", "120"])).code).toBe(2);
  });
});
