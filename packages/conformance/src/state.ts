import type { OnlinePriorState } from "@starkv/mi";
import type { SharpenState } from "@starkv/sharpen";
import type { TemporalState } from "@starkv/temporal";
import type { Checker } from "./checker.js";
import { scalarTolerance } from "./checker.js";
import type { Fields } from "./fields.js";

/** The layer state of the fixtures, in this library's stage states. */
export interface LayerStates {
  readonly mi: OnlinePriorState;
  readonly temporal: TemporalState;
  readonly sharpen: SharpenState;
}

/** Builds stage states from a fixture `state_before`. */
export function statesFromFixture(state: Fields): LayerStates {
  const ema = state.optionalTensor("mi_ema");
  const pattern = state.optionalTensor("pattern_ema");
  return {
    mi: { step: state.number("online_profile_step"), ema: ema === null ? null : Array.from(ema.values) },
    temporal: {
      step: state.number("temporal_step"),
      pattern: pattern === null ? null : Array.from(pattern.values),
      patternGroups: pattern === null ? null : pattern.shape[0]!,
    },
    sharpen: { temperature: state.optionalNumber("aeb_temperature_ema") },
  };
}

/** Compares stage states with a fixture `state_after`. Absent stages count as initial state. */
export function checkStates(check: Checker, actual: Partial<LayerStates>, expected: Fields): void {
  check.exact("state online step", actual.mi?.step ?? 0, expected.number("online_profile_step"));
  check.close("state MI moving average", actual.mi?.ema ?? null, expected.optionalTensor("mi_ema")?.values ?? null);
  check.exact("state temporal step", actual.temporal?.step ?? 0, expected.number("temporal_step"));
  check.close("state pattern moving average", actual.temporal?.pattern ?? null, expected.optionalTensor("pattern_ema")?.values ?? null);
  check.close("state AEB temperature", actual.sharpen?.temperature ?? null, expected.optionalNumber("aeb_temperature_ema"), scalarTolerance);
}
