import { argmaxGroup, type LayerInput, type LayerResult, resolveCapacity, Session, tensor } from "@starkv/core";

import { rowEntropy } from "@starkv/sharpen";
import { createStarKV, fromReferenceSettings, type ReferenceConfig, type ReferenceParams } from "@starkv/starkv";
import type { TemporalUpdate } from "@starkv/temporal";
import { type CaseResult, type Checker, nearZeroTolerance, runCase, scalarTolerance } from "./checker.js";
import type { Fields } from "./fields.js";
import { type Decoded, slice0 } from "./fixture.js";
import { checkStates, type LayerStates, statesFromFixture } from "./state.js";

const layer = 0;

function toTensor(decoded: Decoded) {
  return tensor(Float32Array.from(decoded.values), decoded.shape);
}

/** Builds `[seqLen, hidden]` hidden states that are zero outside the stored rows. */
function hiddenStates(inputs: Fields, row: number, seqLen: number) {
  if (!inputs.has("hidden_states_rows")) return undefined;
  const width = inputs.number("hidden_dim");
  const [start] = inputs.pair("hidden_rows")!;
  const rows = slice0(inputs.tensor("hidden_states_rows"), row);
  const data = new Float32Array(seqLen * width);
  data.set(Float32Array.from(rows.values), start * width);
  return tensor(data, [seqLen, width]);
}

/** Writes fixture layer states into the session's stage states. */
function seedSession(session: Session, compressor: ReturnType<typeof createStarKV>, states: LayerStates): void {
  for (const stage of compressor.stages) {
    const state = session.state(stage, layer, 0);
    const seed = states[stage.name as keyof LayerStates] as Record<string, unknown> | undefined;
    if (seed !== undefined) Object.assign(state, structuredClone(seed));
  }
}

function liveStates(session: Session, compressor: ReturnType<typeof createStarKV>, row: number): Partial<LayerStates> {
  const states: Record<string, unknown> = {};
  for (const stage of compressor.stages) states[stage.name] = session.state(stage, layer, row);
  return states;
}

function checkRow(check: Checker, at: string, result: LayerResult, expected: Fields): void {
  const trace = result.trace ?? {};
  const groupScores = trace["groupScores"] as Float64Array;
  check.close(`${at} S`, groupScores, expected.tensor("S").values);
  check.close(`${at} base`, trace["base"] as Float64Array, expected.tensor("base").values);
  const kvHeads = expected.tensor("S").shape[0]!;
  const best = argmaxGroup(groupScores, kvHeads, groupScores.length / kvHeads);
  const expectedBest = expected.tensor("g_star").values;
  // Where every group score is 0 the arg-max is arbitrary and does not matter.
  const decided = Array.from(expectedBest, (_, j) => {
    for (let g = 0; g < kvHeads; g++) if (groupScores[g * best.length + j] !== 0) return true;
    return false;
  });
  check.exact(`${at} best group`, best.filter((_, j) => decided[j]), expectedBest.filter((_, j) => decided[j]));

  const fused = (trace["after.mi"] as Float64Array | undefined) ?? (trace["base"] as Float64Array);
  check.close(`${at} fused scores`, fused, expected.tensor("scaled_fused").values);
  if (trace["mi.weights"] !== undefined) {
    check.close(`${at} group weights`, trace["mi.weights"] as Float32Array, expected.tensor("w_g").values);
    check.close(`${at} lambda`, trace["mi.lambda"] as number, expected.number("lambda_eff"), { rtol: 1e-12, atol: 1e-12 });
    check.close(`${at} weight per position`, trace["mi.weightAt"] as Float64Array, expected.tensor("w_star").values);
    check.close(`${at} MI`, trace["mi.cur"] as Float32Array | null, expected.optionalTensor("mi_cur")?.values ?? null);
    check.close(`${at} MI moving average`, trace["mi.ema"] as number[] | null, expected.optionalTensor("mi_ema")?.values ?? null);
    if (expected.has("online_profile_step")) check.exact(`${at} online step`, trace["mi.step"] as number, expected.number("online_profile_step"));
  }

  const temporal = trace["temporal"] as TemporalUpdate | undefined;
  const expectedTemporal = expected.child("temporal");
  // The reference reports "applied" only when the scores were multiplied, not in warm-up.
  const applied = temporal?.applied === true && temporal.warmup !== true;
  check.that(`${at} temporal applied is ${applied}, expected ${expectedTemporal.boolean("applied")}`, applied === expectedTemporal.boolean("applied"));
  if (temporal?.applied === true) {
    if (expectedTemporal.has("stab")) check.close(`${at} stability`, temporal.stability, expectedTemporal.tensor("stab").values);
    if (expectedTemporal.has("delta_frame")) check.exact(`${at} frame distance`, temporal.frameDistance, expectedTemporal.tensor("delta_frame").values);
    if (expectedTemporal.has("phi")) check.close(`${at} phi`, temporal.phi, expectedTemporal.tensor("phi").values);
    if (expectedTemporal.has("D")) check.close(`${at} discount`, temporal.discount, expectedTemporal.tensor("D").values);
  }
  const afterTemporal = (trace["after.temporal"] as Float64Array | undefined) ?? fused;
  check.close(`${at} scores after temporal`, afterTemporal, expected.tensor("scaled_after_temporal").values);
  check.close(`${at} final scores`, result.scores, expected.tensor("final_scores").values);
  check.exact(`${at} kept count`, result.capacity.keep, expected.number("kk"));
  check.exact(`${at} kept indices`, result.positions.subarray(0, result.capacity.keep), expected.tensor("kept_indices").values);
}

function runTrajectory(file: string, trajectory: Fields, name: string): CaseResult {
  return runCase(file, name, (check) => {
    const params = trajectory.child("params").value as ReferenceParams;
    const config = trajectory.child("config").value as ReferenceConfig;
    const session = new Session();
    for (const [n, call] of trajectory.children("calls").entries()) {
      const at = `call ${n}`;
      const seqLen = call.number("q_len");
      const capacity = call.number("max_capacity_prompt");
      if (trajectory.has("budget_percent")) {
        const fromPercent = resolveCapacity(seqLen, { percent: trajectory.number("budget_percent") }, config.window_size ?? 8);
        check.exact(`${at} capacity from the budget`, fromPercent.capacity, capacity);
      }
      const compressor = createStarKV({ ...fromReferenceSettings({ params, config }), budget: { tokens: capacity }, trace: true });
      if (call.has("state_before")) seedSession(session, compressor, statesFromFixture(call.child("state_before")));

      const inputs = call.child("inputs");
      const queries = inputs.tensor("query_window");
      const keys = inputs.tensor("key");
      const values = inputs.tensor("value");
      const batch = queries.shape[0]!;
      const rows: LayerInput[] = Array.from({ length: batch }, (_, b) => {
        const hidden = hiddenStates(inputs, b, seqLen);
        return {
          queries: toTensor(slice0(queries, b)),
          keys: toTensor(slice0(keys, b)),
          values: toTensor(slice0(values, b)),
          spans: call.spans("spans"),
          ...(hidden === undefined ? {} : { hidden }),
        };
      });
      const results = compressor.compressBatch(session, layer, rows);
      const first = results[0]!;
      check.that(`${at} compressed is ${first.compressed}, expected ${call.boolean("compressed")}`, first.compressed === call.boolean("compressed"));
      check.exact(`${at} window`, first.capacity.window, call.number("window_size"));
      if (first.compressed) {
        if (call.has("attn_cache_pooled")) {
          for (const [b, result] of results.entries()) check.close(`${at} row ${b} pooled`, result.trace?.["pooled"] as Float32Array, slice0(call.tensor("attn_cache_pooled"), b).values);
        }
        checkBoostAndTemperature(check, at, results, call);
        for (const [b, perBatch] of call.children("per_batch").entries()) checkRow(check, `${at} row ${b}`, results[b]!, perBatch);
        const keyOut = call.tensor("key_out");
        const valueOut = call.tensor("value_out");
        for (const [b, result] of results.entries()) {
          check.exact(`${at} row ${b} kept keys`, result.keys.data, slice0(keyOut, b).values);
          check.exact(`${at} row ${b} kept values`, result.values.data, slice0(valueOut, b).values);
        }
      }
      checkStates(check, liveStates(session, compressor, 0), call.child("state_after"));
    }
  });
}

function checkBoostAndTemperature(check: Checker, at: string, results: LayerResult[], call: Fields): void {
  const boost = call.has("boost") ? call.child("boost") : undefined;
  for (const [b, result] of results.entries()) {
    const trace = result.trace ?? {};
    if (boost === undefined || !boost.has("span")) {
      check.that(`${at} row ${b} no boost, as expected`, trace["boost.values"] === undefined);
      continue;
    }
    check.exact(`${at} row ${b} boost span`, trace["boost.span"] as number[], boost.pair("span"));
    check.close(`${at} row ${b} boost`, trace["boost.values"] as Float64Array, slice0(boost.tensor("values"), b).values, nearZeroTolerance);
    if (boost.has("attn_cache_span_after")) {
      const [start, end] = boost.pair("span")!;
      const scores = trace["headScores"] as Float32Array;
      const heads = scores.length / (result.capacity.pastLength);
      const onSpan: number[] = [];
      for (let h = 0; h < heads; h++) onSpan.push(...scores.subarray(h * result.capacity.pastLength + start, h * result.capacity.pastLength + end));
      check.close(`${at} row ${b} boosted attention`, onSpan, slice0(boost.tensor("attn_cache_span_after"), b).values, nearZeroTolerance);
    }
  }
  if (!call.has("aeb")) return;
  const aeb = call.child("aeb");
  if (!aeb.has("temperature")) return;
  for (const [b, result] of results.entries()) {
    const scores = result.trace?.["headScores"] as Float32Array;
    const heads = scores.length / result.capacity.pastLength;
    const entropy = rowEntropy(scores, heads, result.capacity.pastLength);
    check.close(`${at} row ${b} entropy`, entropy.entropy, aeb.tensor("entropy").values[b], scalarTolerance);
    check.close(`${at} row ${b} normalized entropy`, entropy.normalized, aeb.tensor("normalized_entropy").values[b], scalarTolerance);
    check.close(`${at} row ${b} temperature`, result.trace?.["sharpen.temperature"] as number, aeb.number("temperature"), scalarTolerance);
  }
}

/** `update_kv_*`: whole STaR-KV calls over trajectories, with state carried between calls. */
export function runUpdateKV(file: string, root: Fields): CaseResult[] {
  const key = root.has("trajectories") ? "trajectories" : "cases";
  return root.children(key).map((trajectory, i) => runTrajectory(file, trajectory, trajectory.name(`trajectory ${i}`)));
}

