import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createCompressor, type ImageSpan, Session, tensor } from "@starkv/core";
import { createStarKV } from "@starkv/starkv";
import { numberOption, parseCommandArgs } from "./args.js";
import { createPrecomputedBackend, windowSumsFromAttention } from "./attention-backend.js";
import { countInRange } from "./compress-run.js";
import { table } from "./format.js";
import { readNpy, readNpz } from "./npz.js";
import { UsageError } from "./usage-error.js";

/** Finds runs of `marker` tokens: the image spans of a token list. */
export function tokenRuns(tokens: readonly string[], marker: string): [number, number][] {
  const runs: [number, number][] = [];
  for (let j = 0; j < tokens.length; j++) {
    if (tokens[j] !== marker) continue;
    const start = j;
    while (j + 1 < tokens.length && tokens[j + 1] === marker) j++;
    runs.push([start, j + 1]);
  }
  return runs;
}

/**
 * `starkv score --attention FILE`: runs window scoring and the STaR-KV axes on real
 * post-softmax attention `[1, heads, T, T]` (an `.npz` with one array, or `.npy`), and
 * reports how many tokens of each image tile every method keeps.
 */
export function scoreCommand(args: readonly string[], print: (line: string) => void): number {
  const { values, positionals } = parseCommandArgs("score", args, {
    attention: { type: "string" },
    tokens: { type: "string" },
    marker: { type: "string", default: "<image>" },
    "kv-heads": { type: "string" },
    window: { type: "string" },
    budget: { type: "string" },
    "warm-steps": { type: "string" },
    json: { type: "boolean", default: false },
  });
  if (values.attention === undefined) throw new UsageError("score: --attention FILE is required (an .npz or .npy of post-softmax attention [1, heads, tokens, tokens])");
  if (positionals.length > 0) throw new UsageError(`score takes no positional arguments, got ${positionals.join(" ")}`);
  if (!existsSync(values.attention)) throw new UsageError(`score: --attention ${values.attention} does not exist`);
  const window = numberOption("score", "window", values.window, 8, 1, 4096, true);
  const percent = numberOption("score", "budget", values.budget, 20, Number.MIN_VALUE, 100);

  let array;
  try {
    array = values.attention.endsWith(".npy") ? readNpy(values.attention) : [...readNpz(values.attention).values()][0];
  } catch (error) {
    throw new UsageError(`score: cannot read --attention ${values.attention}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (array?.data == null || array.shape.length !== 4 || array.shape[0] !== 1 || array.shape[2] !== array.shape[3]) {
    throw new UsageError(`score: ${values.attention} holds ${array === undefined ? "no array" : `an array of shape [${array.shape.join(", ")}]`}; expected numeric attention [1, heads, tokens, tokens]`);
  }
  const [, heads, tokens] = array.shape as [number, number, number, number];
  if (tokens <= window) throw new UsageError(`score: ${values.attention} has ${tokens} tokens, not more than the window ${window}; pass a smaller --window`);
  const bad = array.data.findIndex((p) => !Number.isFinite(p) || p < 0);
  if (bad >= 0) throw new UsageError(`score: ${values.attention} holds ${array.data[bad]} at flat index ${bad}; attention probabilities must be finite and non-negative`);
  const kvHeads = numberOption("score", "kv-heads", values["kv-heads"], heads % 3 === 0 ? heads / 3 : heads, 1, heads, true);
  if (heads % kvHeads !== 0) throw new UsageError(`score: --kv-heads ${kvHeads} does not divide the ${heads} attention heads`);

  // Without --tokens, the token strings are looked for where the SmolVLM data keeps them.
  const tokensFile = values.tokens ?? join(dirname(dirname(values.attention)), "decoded_tokens.npy");
  if (values.tokens !== undefined && !existsSync(tokensFile)) throw new UsageError(`score: --tokens ${tokensFile} does not exist`);
  let spans: ImageSpan[] = [];
  const notes: string[] = [];
  if (!existsSync(tokensFile)) notes.push(`no token strings (${tokensFile} not found): no image spans, every token counts as text; pass --tokens FILE`);
  else {
    let strings: string[] | null;
    try {
      strings = readNpy(tokensFile).strings;
    } catch (error) {
      throw new UsageError(`score: cannot read --tokens ${tokensFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (strings === null) throw new UsageError(`score: ${tokensFile} is not a string array of tokens`);
    spans = tokenRuns(strings.slice(0, tokens), values.marker).map(([start, end]) => {
      const side = Math.round(Math.sqrt(end - start));
      return side * side === end - start ? { start, end, grid: [side, side] as const } : { start, end };
    });
  }

  const sums = windowSumsFromAttention(array.data, heads, tokens, window);
  const pastLength = tokens - window;
  const input = {
    queries: tensor(new Float32Array(heads * window), [heads, window, 1], "placeholder queries"),
    keys: tensor(new Float32Array(kvHeads * tokens), [kvHeads, tokens, 1], "placeholder keys"),
    values: tensor(new Float32Array(kvHeads * tokens), [kvHeads, tokens, 1], "placeholder values"),
    spans,
  };
  const backend = createPrecomputedBackend(sums, heads, pastLength);
  const budget = { percent };
  // The tiles are parts of one image, not a screenshot history, so the temporal discount stays off.
  // On a single prefill the MI prior has λ = 0; the warmed-up run repeats the prefill in
  // one session until λ reaches its full value, so the prior's effect shows.
  const warmSteps = numberOption("score", "warm-steps", values["warm-steps"], 15, 1, 1000, true);
  const runs: Record<string, { compressor: ReturnType<typeof createStarKV>; calls: number }> = {
    snapkv: { compressor: createCompressor({ stages: [], budget, window, backend }), calls: 1 },
    starkv: { compressor: createStarKV({ budget, window, backend, temporal: false }), calls: 1 },
    [`starkv, ${warmSteps} prefills, true grid`]: { compressor: createStarKV({ budget, window, backend, temporal: false, mi: { grid: "image" } }), calls: warmSteps },
  };
  const kept = Object.fromEntries(
    Object.entries(runs).map(([name, run]) => {
      const session = new Session();
      let positions: Int32Array = new Int32Array(0);
      for (let call = 0; call < run.calls; call++) positions = run.compressor.compress(session, 0, input).positions;
      return [name, positions];
    }),
  );

  const rows = spans.map((span, i) => [`tile ${i} [${span.start}, ${span.end})`, ...Object.values(kept).map((positions) => String(countInRange(positions, span.start, span.end)))]);
  const textKept = Object.values(kept).map((positions) => String(positions.length - spans.reduce((sum, span) => sum + countInRange(positions, span.start, span.end), 0)));
  if (values.json) {
    print(JSON.stringify({ file: values.attention, heads, kvHeads, tokens, window, budget: percent, notes, spans: spans.map((s) => [s.start, s.end]), kept: Object.fromEntries(Object.entries(kept).map(([k, v]) => [k, Array.from(v)])) }, null, 1));
    return 0;
  }
  print(`${values.attention}: ${heads} heads (${kvHeads} KV groups), ${tokens} tokens, ${spans.length} image tile(s); window ${window}, budget ${percent} % (${kept["snapkv"]!.length} kept)`);
  print("real post-softmax attention; boost off (no hidden states), temporal off (tiles of one image)");
  for (const note of notes) print(`note: ${note}`);
  for (const line of table(["tokens kept per span", ...Object.keys(runs)], [...rows, ["text and markers", ...textKept]])) print(line);
  return 0;
}
