import { createStarKV, fromReferenceSettings, type ReferenceParams, resolveStarKVOptions } from "@starkv/starkv";
import { describe, expect, it } from "vitest";

/** The flags of the authors' reproduction script, under the reference's names. */
const reproductionParams: ReferenceParams = {
  kv_group_soft_prior_lambda: 0.5,
  kv_group_online_profile_steps: 5,
  kv_group_online_profile_decay: 0.9,
  kv_group_online_profile_tau: 1,
  kv_group_online_profile_lambda_ramp_steps: 10,
  kv_entropy_budget_enable: true,
  kv_entropy_budget_min_scale: 0.75,
  kv_entropy_budget_max_scale: 1.25,
  kv_entropy_budget_smooth: 0,
  kv_group_temporal_enable: true,
  kv_group_temporal_delta: 0.1,
  kv_group_temporal_rho: 0.9,
  kv_group_temporal_eps: 0,
  kv_group_temporal_discount_min: 0,
  kv_group_temporal_warmup_steps: 0,
};

function miOf(params: ReferenceParams): Record<string, unknown> {
  return fromReferenceSettings({ params: { ...reproductionParams, ...params } }).mi as Record<string, unknown>;
}

describe("fromReferenceSettings", () => {
  it("replaces λ 0 with 0.5", () => {
    expect(miOf({ kv_group_soft_prior_lambda: 0 })["lambda"]).toBe(0.5);
  });

  it("replaces decay 0 with 0.9", () => {
    expect(miOf({ kv_group_online_profile_decay: 0 })["decay"]).toBe(0.9);
  });

  it("replaces τ 0 with 1", () => {
    expect(miOf({ kv_group_online_profile_tau: 0 })["tau"]).toBe(1);
  });

  it("replaces ramp 0 with the profile steps", () => {
    expect(miOf({ kv_group_online_profile_lambda_ramp_steps: 0, kv_group_online_profile_steps: 7 })["rampSteps"]).toBe(7);
  });

  it("raises ramp 0 to 1 without profile steps", () => {
    expect(miOf({ kv_group_online_profile_lambda_ramp_steps: 0, kv_group_online_profile_steps: 0 })["rampSteps"]).toBe(1);
  });

  it("replaces a missing λ with 0.5", () => {
    expect(fromReferenceSettings({}).mi).toMatchObject({ lambda: 0.5, profileSteps: 0 });
  });

  it("clamps λ to 1", () => {
    expect(miOf({ kv_group_soft_prior_lambda: 1.5 })["lambda"]).toBe(1);
  });

  it("clamps decay to 0.9999", () => {
    expect(miOf({ kv_group_online_profile_decay: 1 })["decay"]).toBe(0.9999);
  });

  it("replaces boost temperature 0 with 1", () => {
    expect(fromReferenceSettings({ config: { alpha: 2, temperature: 0 } }).boost).toEqual({ alpha: 2, temperature: 1 });
  });

  it("turns the boost off at alpha 0", () => {
    expect(fromReferenceSettings({ config: { alpha: 0, temperature: 3.5 } }).boost).toBe(false);
  });

  it("turns the boost off at a negative alpha", () => {
    expect(fromReferenceSettings({ config: { alpha: -1 } }).boost).toBe(false);
  });

  it("turns the boost off without alpha", () => {
    expect(fromReferenceSettings({ config: { temperature: 3.5 } }).boost).toBe(false);
  });

  it("falls back to the module alpha", () => {
    expect(fromReferenceSettings({ config: { temperature: 3.5 }, parentAlpha: 2 }).boost).toEqual({ alpha: 2, temperature: 3.5 });
  });

  it("prefers the config alpha", () => {
    expect(fromReferenceSettings({ config: { alpha: 1.5, temperature: 3.5 }, parentAlpha: 2 }).boost).toEqual({ alpha: 1.5, temperature: 3.5 });
  });

  it("keeps ρ 0", () => {
    const options = fromReferenceSettings({ params: { ...reproductionParams, kv_group_temporal_rho: 0 } });
    expect(options.temporal).toMatchObject({ rho: 0 });
  });

  it("clamps ρ to 0.9999", () => {
    const options = fromReferenceSettings({ params: { ...reproductionParams, kv_group_temporal_rho: 1.2 } });
    expect(options.temporal).toMatchObject({ rho: 0.9999 });
  });

  it("clamps ε and d_min to [0, 1]", () => {
    const options = fromReferenceSettings({ params: { ...reproductionParams, kv_group_temporal_eps: -0.5, kv_group_temporal_discount_min: 1.5 } });
    expect(options.temporal).toMatchObject({ eps: 0, discountMin: 1 });
  });

  it("leaves temporal off unless enabled", () => {
    expect(fromReferenceSettings({ params: { kv_group_temporal_delta: 0.1 } }).temporal).toBe(false);
  });

  it("leaves sharpening off unless enabled", () => {
    expect(fromReferenceSettings({ params: { kv_entropy_budget_min_scale: 0.75 } }).sharpen).toBe(false);
  });

  it("uses the code fallbacks for sharpening", () => {
    expect(fromReferenceSettings({ params: { kv_entropy_budget_enable: true } }).sharpen).toEqual({ minScale: 0.95, maxScale: 1.05, smooth: 0 });
  });

  it("uses the code fallbacks for the layout", () => {
    const options = fromReferenceSettings({});
    expect(options.budget).toEqual({ percent: 20 });
    expect(options.window).toBe(32);
    expect(options.kernel).toBe(5);
    expect(options.pooling).toBe("avgpool");
  });

  it("shares state across batch rows", () => {
    expect(fromReferenceSettings({}).batchState).toBe("shared");
  });

  it("builds a valid compressor from zeros", () => {
    const zeros: ReferenceParams = {
      kv_group_soft_prior_lambda: 0,
      kv_group_online_profile_steps: 5,
      kv_group_online_profile_decay: 0,
      kv_group_online_profile_tau: 0,
      kv_group_online_profile_lambda_ramp_steps: 0,
    };
    expect(createStarKV(fromReferenceSettings({ params: zeros, config: { alpha: 2, temperature: 0 } })).stages).toHaveLength(2);
  });

  it("maps the reproduction flags to the defaults", () => {
    const settings = { params: reproductionParams, config: { alpha: 2, temperature: 3.5, window_size: 8 }, budgetPercent: 20 };
    const fromFlags = resolveStarKVOptions(fromReferenceSettings(settings));
    expect(fromFlags).toEqual({ ...resolveStarKVOptions(), batchState: "shared" });
  });
});
