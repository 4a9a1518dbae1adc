/**
 * The shared backend conformance suite: every `window_pool.json` case and every
 * `update_kv_*.json` trajectory of `fixtures/golden` (outputs of the authors' PyTorch
 * reference, float32) run through a backend, and through the `cpu` oracle beside it.
 * Pooled scores are compared within the backend's tolerance, kept indices and gathered
 * keys/values exactly. `@starkv/backend-gpu` runs the same suite.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decode, type Decoded, slice0 } from "@starkv/conformance";
import { type Backend, compareClose, compareExact, createCpuBackend, type LayerInput, type LayerResult, resolveCapacity, selectPerHead, Session, type Tensor, tensor, type Tolerance } from "@starkv/core";
import { createStarKV, fromReferenceSettings, type ReferenceConfig, type ReferenceParams } from "@starkv/starkv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

export const fixtureDirectory = fileURLToPath(new URL("../../../fixtures/golden/", import.meta.url));

type Json = Record<string, unknown>;

function readFixture(name: string): Json {
  return JSON.parse(readFileSync(`${fixtureDirectory}${name}`, "utf8")) as Json;
}

/** Lists the `update_kv_*.json` file names, sorted. */
export function updateKvFiles(): string[] {
  return readdirSync(fixtureDirectory)
    .filter((name) => /^update_kv_.*\.json$/.test(name))
    .sort();
}

function toTensor(decoded: Decoded): Tensor {
  return tensor(Float32Array.from(decoded.values), decoded.shape);
}

/** Fails with the first bad index and the number of misses. */
export function expectClose(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: Tolerance): void {
  const result = compareClose(actual, expected, tolerance);
  expect(result.ok, `${label}: ${result.message}`).toBe(true);
}

/** Fails unless the integers are equal, naming the first bad index. */
export function expectExact(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  const result = compareExact(actual, expected);
  expect(result.ok, `${label}: ${result.message}`).toBe(true);
}

/** `[seqLen, hidden]` hidden states, zero outside the stored rows. */
function hiddenStates(inputs: Json, row: number, seqLen: number): Tensor | undefined {
  if (inputs["hidden_states_rows"] === undefined || inputs["hidden_states_rows"] === null) return undefined;
  const width = inputs["hidden_dim"] as number;
  const [start] = inputs["hidden_rows"] as [number, number];
  const rows = slice0(decode(inputs["hidden_states_rows"], "hidden_states_rows"), row);
  const data = new Float32Array(seqLen * width);
  data.set(Float32Array.from(rows.values), start * width);
  return tensor(data, [seqLen, width]);
}

/** Seeds the stage states of layer 0 from a fixture `state_before`. */
function seedSession(session: Session, compressor: ReturnType<typeof createStarKV>, state: Json): void {
  const ema = state["mi_ema"] === null ? null : Array.from(decode(state["mi_ema"], "mi_ema").values);
  const pattern = state["pattern_ema"] === null ? null : decode(state["pattern_ema"], "pattern_ema");
  const seeds: Record<string, object> = {
    mi: { step: state["online_profile_step"], ema },
    temporal: { step: state["temporal_step"], pattern: pattern === null ? null : Array.from(pattern.values), patternGroups: pattern === null ? null : pattern.shape[0] },
    sharpen: { temperature: state["aeb_temperature_ema"] ?? null },
  };
  for (const stage of compressor.stages) {
    const seed = seeds[stage.name];
    if (seed !== undefined) Object.assign(session.state(stage, 0, 0), structuredClone(seed));
  }
}

interface CallRun {
  readonly results: LayerResult[];
  readonly oracle: LayerResult[];
}

/** One backend under test. */
export interface BackendUnderTest {
  /** Test label. */
  readonly label: string;
  /** Expected `backend.name`. */
  readonly name: string;
  readonly create: () => Backend;
  /** Closeness of pooled scores to the fixtures and to the `cpu` oracle. */
  readonly tolerance: Tolerance;
  /** Why the backend cannot run here; its tests are then skipped. */
  readonly skipReason?: string;
}

/** Defines the conformance tests of one backend. */
export function describeBackendConformance(subject: BackendUnderTest): void {
  describe.skipIf(subject.skipReason !== undefined)(`${subject.label} conformance`, () => {
    let backend: Backend;
    const oracle = createCpuBackend();
    beforeAll(() => {
      backend = subject.create();
    });
    afterAll(() => backend.dispose());

    it("reports its name", () => {
      expect(backend.name).toBe(subject.name);
    });

    const windowPool = readFixture("window_pool.json");
    for (const c of windowPool["cases"] as Json[]) {
      it(`window_pool ${String(c["name"])}`, () => {
        const seqLen = c["q_len"] as number;
        const capacity = c["max_capacity_prompt"] as number;
        const window = c["window_size"] as number;
        const kernel = c["kernel_size"] as number;
        const pooling = c["pooling"] as "avgpool" | "maxpool";
        const resolved = resolveCapacity(seqLen, { tokens: capacity }, window);
        expect(resolved.compresses).toBe(c["compressed"]);
        if (!resolved.compresses) return;
        const queries = decode(c["query_window"], "query_window");
        const keys = decode(c["key"], "key");
        const values = decode(c["value"], "value");
        const heads = queries.shape[1]!;
        const pastLength = seqLen - window;
        for (let b = 0; b < queries.shape[0]!; b++) {
          const q = toTensor(slice0(queries, b));
          const k = toTensor(slice0(keys, b));
          const v = toTensor(slice0(values, b));
          const pooled = backend.windowScores(q, k, window, kernel, pooling);
          expectClose(`row ${b} pooled vs reference`, pooled, slice0(decode(c["attn_cache"], "attn_cache"), b).values, subject.tolerance);
          expectClose(`row ${b} pooled vs cpu oracle`, pooled, oracle.windowScores(q, k, window, kernel, pooling), subject.tolerance);
          const selection = selectPerHead(pooled, heads, pastLength, capacity - window, window, k, v);
          expectExact(`row ${b} kept indices`, selection.kept, slice0(decode(c["kept_indices"], "kept_indices"), b).values);
          expectExact(`row ${b} kept keys`, selection.keys.data, slice0(decode(c["key_out"], "key_out"), b).values);
          expectExact(`row ${b} kept values`, selection.values.data, slice0(decode(c["value_out"], "value_out"), b).values);
        }
      });
    }

    for (const file of updateKvFiles()) {
      const root = readFixture(file);
      const trajectories = (root["trajectories"] ?? root["cases"]) as Json[];
      for (const trajectory of trajectories) {
        it(`${file} ${String(trajectory["name"])}`, () => {
          const params = trajectory["params"] as ReferenceParams;
          const config = trajectory["config"] as ReferenceConfig;
          const session = new Session();
          const oracleSession = new Session();
          for (const [n, call] of (trajectory["calls"] as Json[]).entries()) {
            const run = runCall(backend, oracle, session, oracleSession, params, config, call);
            checkCall(`call ${n}`, run, call, subject);
          }
        });
      }
    }
  });
}

function runCall(backend: Backend, oracle: Backend, session: Session, oracleSession: Session, params: ReferenceParams, config: ReferenceConfig, call: Json): CallRun {
  const seqLen = call["q_len"] as number;
  const settings = { ...fromReferenceSettings({ params, config }), budget: { tokens: call["max_capacity_prompt"] as number }, trace: true };
  const compressor = createStarKV({ ...settings, backend });
  const oracleCompressor = createStarKV({ ...settings, backend: oracle });
  if (call["state_before"] !== undefined && call["state_before"] !== null) {
    seedSession(session, compressor, call["state_before"] as Json);
    seedSession(oracleSession, oracleCompressor, call["state_before"] as Json);
  }
  const inputs = call["inputs"] as Json;
  const queries = decode(inputs["query_window"], "query_window");
  const keys = decode(inputs["key"], "key");
  const values = decode(inputs["value"], "value");
  const spans = (call["spans"] as [number, number][] | null ?? []).map(([start, end]) => ({ start, end }));
  const rows: LayerInput[] = Array.from({ length: queries.shape[0]! }, (_, b) => {
    const hidden = hiddenStates(inputs, b, seqLen);
    return {
      queries: toTensor(slice0(queries, b)),
      keys: toTensor(slice0(keys, b)),
      values: toTensor(slice0(values, b)),
      spans,
      ...(hidden === undefined ? {} : { hidden }),
    };
  });
  return { results: compressor.compressBatch(session, 0, rows), oracle: oracleCompressor.compressBatch(oracleSession, 0, rows) };
}

function checkCall(at: string, run: CallRun, call: Json, subject: BackendUnderTest): void {
  for (const [b, result] of run.results.entries()) {
    expect(result.compressed, `${at} compressed`).toBe(call["compressed"]);
    expect(result.backend, `${at} backend name in the result`).toBe(subject.name);
    if (!result.compressed) continue;
    const pooled = result.trace?.["pooled"] as Float32Array;
    if (call["attn_cache_pooled"] !== undefined && call["attn_cache_pooled"] !== null) {
      expectClose(`${at} row ${b} pooled vs reference`, pooled, slice0(decode(call["attn_cache_pooled"], "attn_cache_pooled"), b).values, subject.tolerance);
    }
    expectClose(`${at} row ${b} pooled vs cpu oracle`, pooled, run.oracle[b]!.trace?.["pooled"] as Float32Array, subject.tolerance);
    const perBatch = (call["per_batch"] as Json[])[b]!;
    const keep = result.capacity.keep;
    expectExact(`${at} row ${b} kept indices`, result.positions.subarray(0, keep), decode(perBatch["kept_indices"], "kept_indices").values);
    expectExact(`${at} row ${b} kept keys`, result.keys.data, slice0(decode(call["key_out"], "key_out"), b).values);
    expectExact(`${at} row ${b} kept values`, result.values.data, slice0(decode(call["value_out"], "value_out"), b).values);
  }
}
