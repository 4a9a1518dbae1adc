import { addBoost, argmaxGroup, clipSpans, groupScores, hiddenNorms, spatialBoost, tensor } from "@starkv/core";
import { updatePrior } from "@starkv/mi";
import { entropyTemperature, rowEntropy, sharpenScores, type SharpenOptions } from "@starkv/sharpen";
import { applyTemporalDiscount } from "@starkv/temporal";
import { fromReferenceSettings, resolveStarKVOptions } from "@starkv/starkv";
import { type CaseResult, float32Tolerance, nearZeroTolerance, runCase, scalarTolerance } from "./checker.js";
import type { Fields } from "./fields.js";
import { slice0 } from "./fixture.js";
import { checkStates, statesFromFixture } from "./state.js";

function resolvedFrom(params: Fields, config?: Fields) {
  return resolveStarKVOptions(fromReferenceSettings({ params: params.value, ...(config === undefined ? {} : { config: config.value }) }));
}

/** `mi_online_prior`: repeated prior updates on one layer. */
export function runOnlinePrior(file: string, root: Fields): CaseResult[] {
  return root.children("sequences").map((sequence, i) =>
    runCase(file, sequence.name(`sequence ${i}`), (check) => {
      const options = resolvedFrom(sequence.child("params"));
      if (options.mi === false) throw new Error("the MI prior resolved to off");
      const kvHeads = sequence.number("n_groups");
      let state = statesFromFixture(sequence.children("calls")[0]!.child("state_before")).mi;
      for (const [n, call] of sequence.children("calls").entries()) {
        if (call.has("state_before")) state = statesFromFixture(call.child("state_before")).mi;
        const attention = call.tensor("attn_cache");
        const [heads, length] = attention.shape as [number, number];
        const scores = groupScores(Float32Array.from(attention.values), heads, kvHeads, length);
        if (call.raw("S") !== "same as attn_cache" && call.has("S")) check.close(`call ${n} S`, scores, call.tensor("S").values);
        const update = updatePrior(state, scores, kvHeads, length, clipSpans(call.spans("spans"), call.number("past_seq_len")), options.mi);
        check.close(`call ${n} MI`, update.mi, call.optionalTensor("mi_cur")?.values ?? null);
        check.close(`call ${n} weights`, update.weights, call.tensor("w_g").values);
        check.close(`call ${n} lambda`, update.lambda, call.number("lambda_eff"), { rtol: 1e-12, atol: 1e-12 });
        check.exact(`call ${n} step`, state.step, call.child("state_after").number("online_profile_step"));
        check.close(`call ${n} moving average`, state.ema, call.child("state_after").optionalTensor("mi_ema")?.values ?? null);
      }
    }),
  );
}

/** `spatial_boost`: the hidden-norm boost added over the last span. */
export function runSpatialBoost(file: string, root: Fields): CaseResult[] {
  return root.children("cases").map((c, i) =>
    runCase(file, c.name(`case ${i}`), (check) => {
      const config = c.child("config");
      const options = resolveStarKVOptions(fromReferenceSettings({ config: config.value, parentAlpha: c.optionalNumber("parent_alpha") }));
      const attention = c.tensor("attn_cache_in");
      const [batch, heads, length] = attention.shape as [number, number, number];
      const span = clipSpans(c.spans("spans"), c.number("L")).at(-1);
      const hidden = c.optionalTensor("hidden_states");
      const boostOptions = options.boost;
      const changes = boostOptions !== false && span !== undefined && hidden !== null;
      check.that(`boost applies: ${changes}, expected ${c.boolean("changed")}`, changes === c.boolean("changed"));
      if (boostOptions === false || span === undefined || hidden === null) return;
      check.exact("span used", [span.start, span.end], c.pair("span_used"));
      for (let b = 0; b < batch; b++) {
        const rowHidden = slice0(hidden, b);
        const boost = spatialBoost(hiddenNorms(tensor(Float32Array.from(rowHidden.values), rowHidden.shape), span.start, span.end), boostOptions);
        check.close(`row ${b} boost`, boost, slice0(slice0(c.tensor("boost"), b), 0).values, nearZeroTolerance);
        const norms = hiddenNorms(tensor(Float32Array.from(rowHidden.values), rowHidden.shape), span.start, span.end);
        check.close(`row ${b} hidden norms`, norms, slice0(c.tensor("importance_scores"), b).values, nearZeroTolerance);
        const scores = Float32Array.from(slice0(attention, b).values);
        addBoost(scores, heads, length, span.start, boost);
        const expected = slice0(c.tensor("attn_cache_out_on_span"), b);
        const actual: number[] = [];
        for (let h = 0; h < heads; h++) actual.push(...scores.subarray(h * length + span.start, h * length + span.end));
        check.close(`row ${b} boosted attention`, actual, expected.values, nearZeroTolerance);
      }
    }),
  );
}

/** `aeb`: entropy temperature, its moving average, and the sharpening. */
export function runEntropyBudget(file: string, root: Fields): CaseResult[] {
  const results: CaseResult[] = [];
  const temperatureOf = (attention: ReturnType<Fields["tensor"]>, previous: number | null, options: SharpenOptions) => {
    const shape = attention.shape.length === 2 ? [1, ...attention.shape] : attention.shape;
    const [batch, heads, length] = shape as [number, number, number];
    const rows = Array.from({ length: batch }, (_, b) => attention.values.subarray(b * heads * length, (b + 1) * heads * length));
    return { ...entropyTemperature(rows, heads, length, previous, options), heads, length, rows };
  };
  for (const [i, c] of root.children("temperature_cases").entries()) {
    results.push(
      runCase(file, c.name(`temperature case ${i}`), (check) => {
        const options: SharpenOptions = { minScale: c.number("min_scale"), maxScale: c.number("max_scale"), smooth: c.number("smooth"), keepTemperatureOnReset: true };
        const { temperature, rows, heads, length } = temperatureOf(c.tensor("attn_cache"), c.optionalNumber("past_temperature"), options);
        check.close("temperature", temperature, c.number("temperature"), scalarTolerance);
        const debug = c.child("debug");
        if (rows.length === 1) {
          const entropy = rowEntropy(rows[0]!, heads, length);
          check.close("entropy", entropy.entropy, debug.number("entropy"), { rtol: 1e-5, atol: 1e-7 });
          check.close("normalized entropy", entropy.normalized, debug.number("normalized_entropy"), { rtol: 1e-5, atol: 1e-7 });
          check.close("max entropy", entropy.maxEntropy, debug.number("max_entropy"), { rtol: 1e-12, atol: 1e-12 });
        }
      }),
    );
  }
  const sequence = root.child("ema_sequence");
  results.push(
    runCase(file, "temperature moving average", (check) => {
      const options: SharpenOptions = { minScale: sequence.number("min_scale"), maxScale: sequence.number("max_scale"), smooth: sequence.number("smooth"), keepTemperatureOnReset: true };
      let previous: number | null = null;
      for (const [n, call] of sequence.children("calls").entries()) {
        previous = temperatureOf(call.tensor("attn_cache"), previous, options).temperature;
        check.close(`call ${n} temperature`, previous, call.number("temperature_after"), scalarTolerance);
      }
    }),
  );
  for (const [i, c] of root.children("sharpen_cases").entries()) {
    results.push(
      runCase(file, c.name(`sharpen case ${i}`), (check) => {
        const scores = Float64Array.from(c.tensor("scores_in").values);
        const temperature = c.optionalNumber("temperature");
        if (c.boolean("enabled") && temperature !== null) sharpenScores(scores, temperature);
        check.close("sharpened scores", scores, c.tensor("scores_out").values, float32Tolerance);
        check.exact("top-12 unchanged by sharpening", c.tensor("topk12_in_sorted").values, c.tensor("topk12_out_sorted").values);
      }),
    );
  }
  return results;
}

/** `temporal`: pattern moving average, stability, frame distance and discount. */
export function runTemporal(file: string, root: Fields): CaseResult[] {
  return root.children("sequences").map((sequence, i) =>
    runCase(file, sequence.name(`sequence ${i}`), (check) => {
      const options = resolvedFrom(sequence.child("params"));
      const kvHeads = sequence.number("n_groups");
      let state = statesFromFixture(sequence.children("calls")[0]!.child("state_before")).temporal;
      for (const [n, call] of sequence.children("calls").entries()) {
        if (call.has("state_before") && n === 0) state = statesFromFixture(call.child("state_before")).temporal;
        else state.step = call.child("state_before").number("temporal_step");
        const groups = call.tensor("S");
        const length = call.number("past_seq_len");
        const scores = Float64Array.from(call.tensor("scaled_in").values);
        const best = argmaxGroup(groups.values, kvHeads, length);
        // A disabled discount is a pipeline without the temporal stage: nothing runs.
        const update = options.temporal === false ? { applied: false } : applyTemporalDiscount(state, scores, groups.values, best, kvHeads, clipSpans(call.spans("spans"), length), options.temporal);
        check.close(`call ${n} scores`, scores, call.tensor("scaled_out").values);
        check.close(`call ${n} stability`, "stability" in update ? update.stability : null, call.optionalTensor("stab")?.values ?? null);
        check.exact(`call ${n} frame distance`, "frameDistance" in update ? update.frameDistance : null, call.optionalTensor("delta_frame")?.values ?? null);
        if (call.has("g_star")) check.exact(`call ${n} best group`, best, call.tensor("g_star").values);
        check.close(`call ${n} phi`, "phi" in update ? update.phi : null, call.optionalTensor("phi")?.values ?? null);
        check.close(`call ${n} discount`, "discount" in update ? update.discount : null, call.optionalTensor("D")?.values ?? null);
        checkStates(check, { temporal: state }, call.child("state_after"));
      }
    }),
  );
}
