import type { StarKVOptions } from "./options.js";

/**
 * Per-layer settings under the reference's attribute names (the `params` of its
 * conformance fixtures and its command-line flags without the `--`).
 */
export interface ReferenceParams {
  readonly kv_group_soft_prior_lambda?: number | null;
  readonly kv_group_online_profile_steps?: number | null;
  readonly kv_group_online_profile_decay?: number | null;
  readonly kv_group_online_profile_tau?: number | null;
  readonly kv_group_online_profile_lambda_ramp_steps?: number | null;
  readonly kv_entropy_budget_enable?: boolean | null;
  readonly kv_entropy_budget_min_scale?: number | null;
  readonly kv_entropy_budget_max_scale?: number | null;
  readonly kv_entropy_budget_smooth?: number | null;
  readonly kv_group_temporal_enable?: boolean | null;
  readonly kv_group_temporal_delta?: number | null;
  readonly kv_group_temporal_rho?: number | null;
  readonly kv_group_temporal_eps?: number | null;
  readonly kv_group_temporal_discount_min?: number | null;
  readonly kv_group_temporal_warmup_steps?: number | null;
}

/** Model-config settings under the reference's names. */
export interface ReferenceConfig {
  readonly alpha?: number | null;
  readonly temperature?: number | null;
  readonly window_size?: number | null;
  readonly kernel_size?: number | null;
  readonly pooling?: "avgpool" | "maxpool" | null;
}

/** Settings in the reference's form, as its scripts and fixtures give them. */
export interface ReferenceSettings {
  readonly params?: ReferenceParams;
  readonly config?: ReferenceConfig;
  /** `kv_cache_budget`, percent of the prompt kept, window included. Default 20. */
  readonly budgetPercent?: number;
  /** The attention module's own `alpha`, read when `config.alpha` is missing. */
  readonly parentAlpha?: number | null;
}

/** Python's `value or fallback`: 0, false, null and undefined take the fallback. */
function or<T>(value: T | null | undefined, fallback: T): T {
  return value === null || value === undefined || value === 0 || value === false ? fallback : value;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/**
 * Converts settings in the reference's form into `StarKVOptions`, reproducing its
 * fallbacks instead of rejecting odd values: `λ = 0 → 0.5`, `decay 0 → 0.9`,
 * `τ 0 → 1`, `ramp 0 → N`, boost temperature `0 → 1`, a missing or non-positive `alpha`
 * disables the boost, and values are clamped where the reference clamps them
 * (`λ` to [0, 1], decay and `ρ` to [0, 0.9999], `ε` and `d_min` to [0, 1]). Batch rows
 * share state, as in the reference. Use the typed options for validation instead.
 */
export function fromReferenceSettings(settings: ReferenceSettings = {}): StarKVOptions {
  const params = settings.params ?? {};
  const config = settings.config ?? {};
  const profileSteps = params.kv_group_online_profile_steps ?? 0;
  const alpha = config.alpha ?? settings.parentAlpha ?? null;

  return {
    budget: { percent: settings.budgetPercent ?? 20 },
    window: config.window_size ?? 32,
    kernel: config.kernel_size ?? 5,
    pooling: config.pooling ?? "avgpool",
    batchState: "shared",
    boost: alpha === null || !(alpha > 0) ? false : { alpha, temperature: or(config.temperature, 1) },
    mi: {
      lambda: clamp(or(params.kv_group_soft_prior_lambda, 0.5), 0, 1),
      profileSteps: Math.max(0, profileSteps),
      decay: clamp(or(params.kv_group_online_profile_decay, 0.9), 0, 0.9999),
      tau: or(params.kv_group_online_profile_tau, 1),
      rampSteps: Math.max(1, or(params.kv_group_online_profile_lambda_ramp_steps, profileSteps)),
    },
    temporal: params.kv_group_temporal_enable === true
      ? {
          delta: params.kv_group_temporal_delta ?? 0.1,
          rho: clamp(params.kv_group_temporal_rho ?? 0.9, 0, 0.9999),
          eps: clamp(params.kv_group_temporal_eps ?? 0, 0, 1),
          discountMin: clamp(params.kv_group_temporal_discount_min ?? 0, 0, 1),
          warmupSteps: or(params.kv_group_temporal_warmup_steps, 0),
        }
      : false,
    sharpen: params.kv_entropy_budget_enable === true
      ? {
          minScale: params.kv_entropy_budget_min_scale ?? 0.95,
          maxScale: params.kv_entropy_budget_max_scale ?? 1.05,
          smooth: params.kv_entropy_budget_smooth ?? 0,
        }
      : false,
  };
}
