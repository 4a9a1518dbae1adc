export { type AttentionMetricOptions, attentionRecall, type AttentionRecall, type HeadRowMean, layerQuality, type LayerQuality, outputError, type OutputError } from "./attention-metrics.js";
export { keptPerSpan, type SpanKept, targetCoverage, type TargetCoverage } from "./coverage.js";
export { validateResult } from "./validate.js";
