/*
 * gpu.js kernel sources of the window scores, as strings so that no bundler or test
 * transform can rewrite them before gpu.js parses them. Sizes arrive as arguments, so
 * one compiled kernel serves every shape up to `loopMaxIterations`. Row `r` is
 * `head · window + i` (window row `i` of query head `head`); gpu.js outputs are
 * `[width, height]` with `this.thread.x` along the width.
 *
 * Integer arithmetic happens in float: `Math.floor((r + 0.5) / window)` stays exact even
 * where a GPU divides by multiplying with a rounded reciprocal.
 */

/** Value given to masked logits; every visible logit is far above it. */
export const maskedLogit = -1e30;

/**
 * Logits `[rows, seqLen]`: `q · k / sqrt(D)` with `k` the key of the query head's KV
 * group, or `maskedLogit` for window keys after the query's own position.
 * Arguments: queries `[heads, window, headDim]` and keys `[kvHeads, seqLen, headDim]`,
 * both flat. The kernel computes the flat indices itself, because gpu.js 2.24.1's `cpu`
 * mode indexes multi-dimensional inputs with the output's strides.
 */
export const logitsSource = `function (queries, keys, headDim, window, groupSize, seqLen, pastLength, scale) {
  const j = this.thread.x;
  const r = this.thread.y;
  const head = Math.floor((r + 0.5) / window);
  const i = r - head * window;
  const group = Math.floor((head + 0.5) / groupSize);
  if (j >= pastLength && j - pastLength > i) {
    return ${maskedLogit};
  }
  const queryRow = (head * window + i) * headDim;
  const keyRow = (group * seqLen + j) * headDim;
  let dot = 0;
  for (let d = 0; d < headDim; d++) {
    dot += queries[queryRow + d] * keys[keyRow + d];
  }
  return dot * scale;
}`;

/** Row maxima `[rows]` over the visible keys. */
export const rowMaxSource = `function (logits, seqLen, pastLength, window) {
  const r = this.thread.x;
  const head = Math.floor((r + 0.5) / window);
  const visible = pastLength + (r - head * window) + 1;
  let best = ${maskedLogit};
  for (let j = 0; j < seqLen; j++) {
    if (j < visible) {
      best = Math.max(best, logits[r][j]);
    }
  }
  return best;
}`;

/** Softmax denominators `[rows]`: `Σ exp(logit − row max)` over the visible keys. */
export const rowTotalSource = `function (logits, rowMax, seqLen, pastLength, window) {
  const r = this.thread.x;
  const head = Math.floor((r + 0.5) / window);
  const visible = pastLength + (r - head * window) + 1;
  const best = rowMax[r];
  let total = 0;
  for (let j = 0; j < seqLen; j++) {
    if (j < visible) {
      total += Math.exp(logits[r][j] - best);
    }
  }
  return total;
}`;

/** Column sums `[heads, pastLength]`: each head's probabilities summed over its window rows. */
export const columnSumsSource = `function (logits, rowMax, rowTotal, window) {
  const j = this.thread.x;
  const head = this.thread.y;
  let sum = 0;
  for (let i = 0; i < window; i++) {
    const r = head * window + i;
    sum += Math.exp(logits[r][j] - rowMax[r]) / rowTotal[r];
  }
  return sum;
}`;
