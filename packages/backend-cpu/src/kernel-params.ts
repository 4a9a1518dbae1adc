/**
 * The parameter block at address 0 of the kernels' memory: one 32-bit slot per field,
 * written by the host before each phase and read by every thread. Byte offset of a field
 * = 4 · its index.
 */
export const Param = {
  phase: 0,
  seqLen: 1,
  /** Head dimension rounded up to a multiple of 8 (two SIMD vectors); padding is zero. */
  paddedHeadDim: 2,
  /** Query rows of one KV group (`groupSize · window`) rounded up to a multiple of 4. */
  groupRows: 3,
  /** `kvHeads · groupRows`: the row count of a logits row. */
  totalRows: 4,
  kvHeads: 5,
  /** Keys per task. */
  chunk: 6,
  pastLength: 7,
  window: 8,
  groupSize: 9,
  /** Pooling padding `floor(kernel / 2)`. */
  radius: 10,
  kernel: 11,
  /** 1 for max pooling, 0 for average pooling. */
  maxPool: 12,
  /** `pastLength + 2 · radius`: length of a padded column-sum row. */
  paddedLength: 13,
  pooledLength: 14,
  /** First key of the keys now staged (phase 1). */
  stageStart: 15,
  /** One past the last staged key. */
  stageEnd: 16,
  /** Key rows reserved per KV head in a staging buffer. */
  stageCapacity: 17,
  // Byte addresses.
  queries: 18,
  keys: 19,
  logits: 20,
  maxPartials: 21,
  totalPartials: 22,
  scratch: 23,
  rowMax: 24,
  rowInverse: 25,
  columnSums: 26,
  pooled: 27,
  /** `1 / sqrt(headDim)` as a float32. */
  scale: 28,
  // Row norms (the row-norm module).
  /** Values per row. */
  normWidth: 29,
  /** Rows staged now. */
  normCount: 30,
  /** Rows per task. */
  normChunk: 31,
  /** Output slot of the first staged row. */
  normFirst: 32,
  /** Byte address of the staged rows `[normCount, normWidth]`. */
  normRows: 33,
  /** Byte address of the float64 norms of the call. */
  normOut: 34,
  // Finiteness scan (the scan module).
  /** Float32 values staged now. */
  scanCount: 35,
  /** Byte address of the staged values. */
  scanData: 36,
  /** Byte address of the five float32 sums the scan writes. */
  scanResult: 37,
} as const;

/** Bytes reserved for the parameter block; data starts after it. */
export const parameterBytes = 256;

/** Kernel phases, run in this order for each `windowScores` call. */
export const Phase = {
  /** Window logits of the staged keys, the causal mask, per-thread row maxima. */
  logits: 1,
  /** `exp(logit − row max)` in place, per-thread row totals. */
  exp: 2,
  /** Window-row sums of the probabilities on past columns. */
  combine: 3,
  /** 1-D pooling of each head's column sums. */
  pool: 4,
} as const;
