import type { Backend } from "./backend.js";
import type { LayerInput } from "./stage.js";
import { spanProblems } from "./spans.js";
import { formatShape, type Tensor } from "./tensor.js";
import { assertFinite, assertRank } from "./validate.js";

/** Shape facts shared by every row of one call. */
export interface InputShape {
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly seqLen: number;
  /** Query rows given; the window may use fewer. */
  readonly windowRows: number;
}

/**
 * Checks the inputs of one compression call: ranks, matching axes across tensors and
 * rows, GQA divisibility, spans, and finite values in the queries, keys and values.
 * Nothing is copied or modified.
 *
 * Hidden states get only their shape checked here. Their values are checked by the stage
 * that reads them: the boost checks the rows of the current screenshot while it computes
 * their norms, and rows that no stage reads are not checked.
 *
 * @param backend its `firstNonFinite` kernel scans the values when it has one
 * @throws RangeError naming the argument, both shapes and the axes
 */
export function validateLayerInputs(where: string, inputs: readonly LayerInput[], backend?: Backend): InputShape {
  const given: unknown = inputs;
  if (!Array.isArray(given) || given.length === 0) {
    throw new RangeError(`${where}: expected at least one layer input, got ${Array.isArray(given) ? "an empty list" : typeof given}`);
  }
  let first: InputShape | undefined;
  for (const [row, input] of inputs.entries()) {
    const at = inputs.length > 1 ? `${where} row ${row}` : where;
    const shape = validateOne(at, input, backend);
    if (first === undefined) first = shape;
    else if (shape.seqLen !== first.seqLen || shape.heads !== first.heads || shape.kvHeads !== first.kvHeads || shape.headDim !== first.headDim || shape.windowRows !== first.windowRows) {
      throw new RangeError(
        `${at}: keys have shape [${shape.kvHeads}, ${shape.seqLen}, ${shape.headDim}] and queries ${shape.heads} heads × ${shape.windowRows} rows, but row 0 has [${first.kvHeads}, ${first.seqLen}, ${first.headDim}] and ${first.heads} × ${first.windowRows}; batch rows must have equal shapes`,
      );
    }
  }
  return first!;
}

function isTensor(value: unknown): value is Tensor {
  return typeof value === "object" && value !== null && Array.isArray((value as Tensor).shape) && (value as Tensor).data instanceof Float32Array;
}

function validateOne(where: string, input: LayerInput, backend: Backend | undefined): InputShape {
  for (const name of ["queries", "keys", "values"] as const) {
    if (!isTensor(input[name])) throw new TypeError(`${where}: ${name} is missing or not a tensor; build it with tensor(data, shape)`);
  }
  const { queries, keys, values, hidden, spans } = input;
  assertRank(where, "queries", queries, ["heads", "rows", "headDim"]);
  assertRank(where, "keys", keys, ["kvHeads", "tokens", "headDim"]);
  if (formatShape(values.shape) !== formatShape(keys.shape)) {
    throw new RangeError(`${where}: keys have shape ${formatShape(keys.shape)} but values have ${formatShape(values.shape)}; both must be [kvHeads, tokens, headDim]`);
  }
  const [heads, windowRows, headDim] = queries.shape as [number, number, number];
  const [kvHeads, seqLen, keyDim] = keys.shape as [number, number, number];
  if (keyDim !== headDim) {
    throw new RangeError(`${where}: queries have shape ${formatShape(queries.shape)} [heads, rows, headDim] but keys have ${formatShape(keys.shape)} [kvHeads, tokens, headDim]; headDim must match`);
  }
  if (kvHeads < 1 || heads < kvHeads || heads % kvHeads !== 0) {
    throw new RangeError(`${where}: queries have ${heads} heads and keys ${kvHeads} KV heads; the query heads must be a positive multiple of the KV heads (GQA groups)`);
  }
  if (headDim < 1 || windowRows < 1) {
    throw new RangeError(`${where}: queries have shape ${formatShape(queries.shape)}; headDim and rows must be at least 1`);
  }
  if (seqLen < 1) throw new RangeError(`${where}: keys have shape ${formatShape(keys.shape)}; the prompt must have at least one token`);
  if (windowRows > seqLen) {
    throw new RangeError(`${where}: queries hold ${windowRows} rows but the prompt has only ${seqLen} tokens; pass the queries of the last min(window, tokens) tokens`);
  }
  if (hidden !== undefined) {
    if (!isTensor(hidden)) throw new TypeError(`${where}: hidden is not a tensor; build it with tensor(data, shape)`);
    if ((hidden.shape.length !== 1 && hidden.shape.length !== 2) || hidden.shape[0] !== seqLen) {
      throw new RangeError(`${where}: hidden has shape ${formatShape(hidden.shape)} but keys have ${seqLen} tokens; hidden must be [tokens] norms or [tokens, hidden] states`);
    }
  }
  if (spans !== undefined) {
    if (!Array.isArray(spans)) throw new TypeError(`${where}: spans must be an array of { start, end } ranges`);
    const problems = spanProblems(spans, seqLen);
    if (problems.length > 0) throw new RangeError(`${where}: invalid spans:\n  - ${problems.join("\n  - ")}`);
  }
  assertFinite(where, "queries", queries, backend);
  assertFinite(where, "keys", keys, backend);
  assertFinite(where, "values", values, backend);
  return { heads, kvHeads, headDim, seqLen, windowRows };
}
