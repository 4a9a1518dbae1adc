import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCpuBackend } from "@starkv/core";
import { createFastCpuBackend } from "@starkv/backend-cpu";
import {
  type BenchCase,
  benchCases,
  BenchUsageError,
  caseInputs,
  formatTable,
  jsonRecord,
  MemoryPeaks,
  parseBenchArgs,
  readReference,
  runBench,
  runCase,
  screenshotSpans,
} from "@starkv/bench";
import { describe, expect, it } from "vitest";

const tinyCase: BenchCase = { name: "tiny", seqLen: 300, screenshots: 2, screenshotTokens: 100, layers: 2 };
const quick = { runs: 2, warmup: 0, profile: false, seed: 1 };

describe("screenshotSpans", () => {
  it("places screenshots after the system prompt with equal text gaps", () => {
    // 4096 − 8 window − 15 system − 5 · 702 = 563 text tokens: 112 after each screenshot.
    expect(screenshotSpans(4096, 5, 702)).toEqual([
      { start: 15, end: 717 },
      { start: 829, end: 1531 },
      { start: 1643, end: 2345 },
      { start: 2457, end: 3159 },
      { start: 3271, end: 3973 },
    ]);
  });

  it("keeps the window free in every case", () => {
    for (const c of benchCases) {
      const spans = screenshotSpans(c.seqLen, c.screenshots, c.screenshotTokens);
      expect(spans).toHaveLength(c.screenshots);
      expect(spans.at(-1)!.end).toBeLessThanOrEqual(c.seqLen - 8);
    }
  });

  it("rejects screenshots that do not fit", () => {
    expect(() => screenshotSpans(1000, 2, 500)).toThrow(/2 screenshots of 500 tokens do not fit into 1000 tokens/);
  });
});

describe("caseInputs", () => {
  it("builds UI-TARS shapes from the seed", () => {
    const input = caseInputs(tinyCase, 3);
    expect(input.queries.shape).toEqual([28, 8, 128]);
    expect(input.keys.shape).toEqual([4, 300, 128]);
    expect(input.hidden!.shape).toEqual([300, 3584]);
    expect(caseInputs(tinyCase, 3).keys.data).toEqual(input.keys.data);
    expect(caseInputs(tinyCase, 4).keys.data).not.toEqual(input.keys.data);
  });
});

describe("parseBenchArgs", () => {
  it("defaults to every case on fast-cpu", () => {
    const options = parseBenchArgs([])!;
    expect(options.cases).toEqual(benchCases);
    expect(options.backends).toEqual(["fast-cpu"]);
    expect(options.runs).toBe(7);
    expect(options.json).toBe(false);
  });

  it("reads every option", () => {
    const options = parseBenchArgs(["--case", "layer-4096-5x702", "--backend", "cpu", "--backend", "fast-cpu", "--threads", "1", "--runs", "3", "--warmup", "0", "--json", "--profile", "--floor", "--seed", "9"])!;
    expect(options.cases.map((c) => c.name)).toEqual(["layer-4096-5x702"]);
    expect(options.backends).toEqual(["cpu", "fast-cpu"]);
    expect([options.threads, options.runs, options.warmup, options.seed]).toEqual([1, 3, 0, 9]);
    expect([options.json, options.profile, options.floor]).toEqual([true, true, true]);
  });

  it("returns undefined for --help", () => {
    expect(parseBenchArgs(["--help"])).toBeUndefined();
  });

  it("names the bad argument", () => {
    expect(() => parseBenchArgs(["--case", "layer-1"])).toThrow(/unknown case "layer-1"; cases are layer-4096-1x2691/);
    expect(() => parseBenchArgs(["--backend", "tpu"])).toThrow(/unknown backend "tpu"; backends are fast-cpu, cpu/);
    expect(() => parseBenchArgs(["--runs", "0"])).toThrow(/--runs needs an integer ≥ 1, got "0"/);
    expect(() => parseBenchArgs(["--threads"])).toThrow(/--threads needs an integer from 1 to 256, got nothing/);
    expect(() => parseBenchArgs(["--threads", "999"])).toThrow(/--threads needs an integer from 1 to 256, got "999"/);
    expect(() => parseBenchArgs(["--fast"])).toThrow(BenchUsageError);
  });
});

describe("runCase", () => {
  it("times every layer and reports the backend's threads and working memory", () => {
    const backend = createFastCpuBackend({ threads: 2 });
    const result = runCase(tinyCase, backend, { ...quick, profile: true });
    backend.dispose();
    expect(result.case).toBe("tiny");
    expect(result.backend).toBe("fast-cpu");
    expect(result.runs).toBe(2);
    expect(result.threads).toBe(2);
    expect(result.minMs).toBeGreaterThan(0);
    expect(result.minMs).toBeLessThanOrEqual(result.medianMs);
    expect(result.medianMs).toBeLessThanOrEqual(result.maxMs);
    expect(result.peakRssBytes).toBeGreaterThan(0);
    expect(result.peakArrayBuffersBytes).toBeGreaterThan(0);
    // Logits of 300 keys × 224 window rows, at least.
    expect(result.workingFloats).toBeGreaterThanOrEqual(300 * 224);
    expect(Object.keys(result.profile!)).toEqual(["validate", "windowScores", "hiddenNorms", "groupMI", "groupAndHeadMeans", "topK", "gather"]);
  });

  it("runs the plain cpu backend, which reports no threads", () => {
    const result = runCase(tinyCase, createCpuBackend(), quick);
    expect(result.backend).toBe("cpu");
    expect(result.threads).toBeUndefined();
    expect(result.workingFloats).toBeUndefined();
  });
});

describe("output", () => {
  const result = { case: "tiny", backend: "fast-cpu", medianMs: 10, minMs: 9, maxMs: 12, peakRssBytes: 2 ** 30, peakArrayBuffersBytes: 2 ** 20, runs: 3, threads: 2 };

  it("writes the JSON record with the speed-up when a reference is known", () => {
    expect(jsonRecord(result, new Map([["tiny", 25]]))).toEqual({ ...result, referenceMedianMs: 25, speedup: 2.5 });
    expect(jsonRecord(result)).toEqual(result);
  });

  it("formats an aligned table", () => {
    const lines = formatTable([result], new Map([["tiny", 25]]));
    expect(lines[0]).toMatch(/^case\s+backend\s+threads\s+median ms/);
    expect(lines[1]).toMatch(/^tiny\s+fast-cpu\s+2\s+10\.0\s+9\.0\s+12\.0\s+1024\s+1\s+-\s+25\.0\s+2\.50×$/);
  });

  it("reads reference JSON lines and rejects other files", () => {
    const directory = mkdtempSync(join(tmpdir(), "bench-"));
    const good = join(directory, "reference.jsonl");
    writeFileSync(good, `${JSON.stringify({ case: "tiny", medianMs: 30 })}\n\n`);
    expect(readReference(good)).toEqual(new Map([["tiny", 30]]));
    const bad = join(directory, "bad.jsonl");
    writeFileSync(bad, "case,median\n");
    expect(() => readReference(bad)).toThrow(/line 1 of .*bad.jsonl is not JSON/);
    expect(() => readReference(join(directory, "missing.jsonl"))).toThrow(/cannot read/);
  });

  it("prints one JSON line per case with --json", () => {
    const lines: string[] = [];
    const options = parseBenchArgs(["--case", "layer-4096-5x702", "--runs", "1", "--warmup", "0", "--json", "--threads", "2"])!;
    runBench(options, (line) => lines.push(line));
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    for (const key of ["case", "backend", "medianMs", "minMs", "maxMs", "peakRssBytes", "peakArrayBuffersBytes", "runs"]) expect(record).toHaveProperty(key);
    expect(record["case"]).toBe("layer-4096-5x702");
  });
});

describe("MemoryPeaks", () => {
  it("sees an allocation made after the reset", () => {
    // Other test files free buffers concurrently, so compare with the block alone.
    const peaks = new MemoryPeaks();
    peaks.reset();
    const block = new Float32Array(2 ** 24).fill(1);
    peaks.sample();
    expect(peaks.peakArrayBuffers()).toBeGreaterThanOrEqual(block.byteLength);
    expect(peaks.peakRss()).toBeGreaterThanOrEqual(block.byteLength);
    expect(block[0]).toBe(1);
  });
});
