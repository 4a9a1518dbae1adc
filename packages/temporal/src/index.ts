export {
  applyTemporalDiscount,
  createTemporalStage,
  initialTemporalState,
  type TemporalOptions,
  type TemporalState,
  type TemporalUpdate,
} from "./temporal.js";
