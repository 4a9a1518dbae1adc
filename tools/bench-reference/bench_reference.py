#!/usr/bin/env python3
"""Times one STaR-KV compression step per layer in PyTorch, written from the spec.

The step follows the behaviour of the authors' reference implementation as the
specification describes it, in float32 with batch 1. Keys and values are expanded to
all query heads before the call, which is not timed. The call computes the window
logits by matmul, masks them causally inside the window, takes a float32 softmax and
sums the window rows on past columns, then applies avg_pool1d. After that come the
hidden-norm boost on the last screenshot, the entropy temperature, group means, the
online MI prior (the MI counts its joint table in a Python loop over the screenshot's
tokens), fusion, the temporal discount, power sharpening, one Top-K and the gather of
keys and values for all heads.

The case names and shapes match `packages/bench` so that both can be read side by side.
Run with Debian's interpreter: /usr/bin/python3 tools/bench-reference/bench_reference.py
"""

import argparse
import json
import math
import os
import platform
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HEADS = 28
KV_HEADS = 4
HEAD_DIM = 128
HIDDEN = 3584
WINDOW = 8
KERNEL = 5
BUDGET_PERCENT = 20

# Reproduction settings (spec section 15).
LAMBDA = 0.5
PROFILE_STEPS = 5
DECAY = 0.9
TAU = 1.0
RAMP_STEPS = 10
ALPHA = 2.0
BOOST_TEMPERATURE = 3.5
AEB_MIN, AEB_MAX = 0.75, 1.25
TEMPORAL_DELTA, TEMPORAL_RHO, TEMPORAL_EPS, TEMPORAL_MIN = 0.1, 0.9, 0.0, 0.0
ROW_BINS, COL_BINS, VALUE_BINS = 12, 12, 16

# name -> (tokens, screenshots, tokens per screenshot, layers)
CASES = {
    "layer-4096-1x2691": (4096, 1, 2691, 1),
    "layer-4096-5x702": (4096, 5, 702, 1),
    "layer-16384-1x16000": (16384, 1, 16000, 1),
    "layer-16384-5x2691": (16384, 5, 2691, 1),
    "step28-16384-1x16000": (16384, 1, 16000, 28),
}

SYSTEM_TOKENS = 15


def screenshot_spans(tokens, count, length):
    """Screenshot spans after a 15-token system prompt, separated by equal text runs."""
    free = tokens - WINDOW - SYSTEM_TOKENS - count * length
    if free < 0:
        raise ValueError(f"{count} screenshots of {length} tokens do not fit into {tokens} tokens")
    gap = free // count
    spans = []
    start = SYSTEM_TOKENS
    for _ in range(count):
        spans.append((start, start + length))
        start += length + gap
    return spans


class LayerState:
    """Per-layer state of the reference: counters and moving averages (spec section 11)."""

    def __init__(self):
        self.online_step = 0
        self.mi_ema = None
        self.temporal_step = 0
        self.pattern_ema = None


def clip_spans(spans, bound):
    out = []
    for s, e in spans:
        s = min(max(s, 0), bound)
        e = min(max(e, s), bound)
        if e > s:
            out.append((s, e))
    return out


def position_bins(m):
    """Guessed square grid and the 12 x 12 position bins of each offset, as Python loops."""
    m = max(1, m)
    grid_h = max(1, round(math.sqrt(m)))
    grid_w = max(1, math.ceil(m / grid_h))
    y_bins = []
    for o in range(m):
        row, col = divmod(o, grid_w)
        y = (row + 0.5) / grid_h
        x = (col + 0.5) / grid_w
        rb = min(max(int(math.floor(ROW_BINS * y)), 0), ROW_BINS - 1)
        cb = min(max(int(math.floor(COL_BINS * x)), 0), COL_BINS - 1)
        y_bins.append(rb * COL_BINS + cb)
    return y_bins


def strict_mi_score_2d(p, y_bins):
    """Rank-binned 2-D mutual information; the joint table is counted in a Python loop."""
    n = len(p)
    if n <= 1 or len(set(y_bins)) <= 1:
        return 0.0
    order = np.argsort(p, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    cells = ROW_BINS * COL_BINS
    joint = [[0] * cells for _ in range(VALUE_BINS)]
    # floor(rank * bins / n) on integers equals the double-precision formula for these sizes.
    for r, y in zip(rank.tolist(), y_bins):
        joint[min(r * VALUE_BINS // n, VALUE_BINS - 1)][y] += 1
    table = np.array(joint, dtype=np.float64) / n
    pa = table.sum(axis=1, keepdims=True)
    py = table.sum(axis=0, keepdims=True)
    mi = float(np.sum(table * (np.log(table + 1e-12) - np.log(pa * py + 1e-12))))
    return max(0.0, mi)


def group_mi(group_scores, span):
    s, e = span
    y_bins = position_bins(e - s)
    values = []
    for g in range(group_scores.shape[0]):
        v = torch.clamp(group_scores[g, s:e], min=0)
        total = float(v.sum())
        if total <= 1e-12:
            values.append(0.0)
            continue
        p = (v / total).numpy().astype(np.float64)
        values.append(strict_mi_score_2d(p, y_bins))
    return torch.tensor(values, dtype=group_scores.dtype)


def group_weights(ema, tau):
    spread = float(ema.max() - ema.min())
    if spread < 1e-12:
        s = torch.full_like(ema, 0.5)
    else:
        s = (ema - ema.min()) / spread
    w = torch.softmax(s / max(tau, 1e-6), dim=0)
    return w / max(float(w.sum()), 1e-8)


def temporal_discount(fused, group_scores, spans, state):
    if len(spans) < 2:
        return fused
    s, e = spans[-1]
    current = torch.clamp(group_scores[:, s:e], min=0)
    pattern = current / torch.clamp(current.sum(dim=1, keepdim=True), min=1e-8)
    if state.pattern_ema is not None and state.pattern_ema.shape == pattern.shape:
        state.pattern_ema = TEMPORAL_RHO * state.pattern_ema + (1 - TEMPORAL_RHO) * pattern
    else:
        state.pattern_ema = pattern
    moving = state.pattern_ema
    dot = (pattern * moving).sum(dim=1)
    norms = torch.clamp(pattern.norm(dim=1), min=1e-8) * torch.clamp(moving.norm(dim=1), min=1e-8)
    stability = torch.clamp(dot / norms, 0, 1)
    length = fused.shape[0]
    distance = torch.zeros(length)
    for i, (a, b) in enumerate(spans):
        distance[a:b] = len(spans) - 1 - i
    best = group_scores.argmax(dim=0)
    phi = TEMPORAL_EPS + (1 - TEMPORAL_EPS) * stability[best]
    discount = TEMPORAL_MIN + (1 - TEMPORAL_MIN) * torch.exp(-TEMPORAL_DELTA * distance * phi)
    return fused * discount


def window_scores(queries, keys, window):
    """SnapKV's pooled window attention [1, H, T - window] (spec section 5, steps 2-6)."""
    past = queries.shape[2] - window
    logits = torch.matmul(queries[..., -window:, :], keys.transpose(2, 3)) / math.sqrt(queries.shape[-1])
    mask = torch.full((window, window), torch.finfo(logits.dtype).min).triu(1)
    logits[..., -window:] += mask
    probabilities = F.softmax(logits, dim=-1, dtype=torch.float32).to(queries.dtype)
    column_sums = probabilities[..., :past].sum(dim=-2)
    return F.avg_pool1d(column_sums, kernel_size=KERNEL, padding=KERNEL // 2, stride=1)


def update_kv(keys, queries, values, hidden, spans, capacity, state, kv_heads=KV_HEADS, window=WINDOW):
    """Run one STaR-KV compression call of one layer on [1, H, T, D] keys, queries, values.

    Returns the kept keys and values [1, H, capacity, D] and the kept past positions, or
    the inputs and None when the prompt is shorter than the capacity.
    """
    state.temporal_step += 1
    _, heads, tokens, head_dim = queries.shape
    if tokens < capacity:
        return keys, values, None
    past = tokens - window

    pooled = window_scores(queries, keys, window)

    clipped = clip_spans(spans, past)
    if clipped:
        s, e = clipped[-1]
        norms = hidden[0, s:e].norm(dim=-1)
        z = (norms - norms.mean()) / (norms.std() + 1e-8)
        pooled[:, :, s:e] += ALPHA * torch.softmax(z / BOOST_TEMPERATURE, dim=0)

    head_mean = pooled.mean(dim=1)
    total = torch.clamp(head_mean.sum(dim=-1, keepdim=True), min=1e-8)
    pi = head_mean / total
    entropy = -(pi * torch.log(pi + 1e-8)).sum(dim=-1)
    normalised = entropy / (math.log(max(1, past)) + 1e-8)
    temperature = float((AEB_MIN + (AEB_MAX - AEB_MIN) * normalised).mean())

    keep = max(1, min(capacity - window, past, pooled.shape[-1]))
    scores = pooled[0]
    group_scores = scores.view(kv_heads, heads // kv_heads, -1).mean(dim=1)

    state.online_step += 1
    if clipped:
        mi = group_mi(group_scores, clipped[-1]).to(torch.float32)
        if state.mi_ema is not None and state.mi_ema.numel() == mi.numel():
            state.mi_ema = torch.tensor(DECAY, dtype=torch.float32) * state.mi_ema + torch.tensor(1 - DECAY, dtype=torch.float32) * mi
        else:
            state.mi_ema = mi
    step = state.online_step
    lam = 0.0 if step <= PROFILE_STEPS else LAMBDA * min(1.0, (step - PROFILE_STEPS) / RAMP_STEPS)
    weights = group_weights(state.mi_ema, TAU) if state.mi_ema is not None else torch.full((kv_heads,), 1 / kv_heads)

    base = scores.mean(dim=0)
    best = group_scores.argmax(dim=0)
    per_position = weights[best] * kv_heads
    fused = base * ((1 - lam) + lam * per_position)
    fused = temporal_discount(fused, group_scores, clipped, state)
    final = torch.clamp(fused, min=0) ** (1 / temperature) if temperature > 0 else fused

    kept = torch.topk(final, keep).indices.sort().values
    kept_keys = torch.cat([keys[:, :, kept], keys[:, :, -window:]], dim=2)
    kept_values = torch.cat([values[:, :, kept], values[:, :, -window:]], dim=2)
    return kept_keys, kept_values, kept


def make_inputs(tokens, generator):
    kv_keys = torch.randn(1, KV_HEADS, tokens, HEAD_DIM, generator=generator)
    kv_values = torch.randn(1, KV_HEADS, tokens, HEAD_DIM, generator=generator)
    queries = torch.randn(1, HEADS, tokens, HEAD_DIM, generator=generator)
    hidden = torch.randn(1, tokens, HIDDEN, generator=generator)
    group = HEADS // KV_HEADS
    # Expanded as the model patch does (repeat_kv); not part of the timed call.
    keys = kv_keys.repeat_interleave(group, dim=1).contiguous()
    values = kv_values.repeat_interleave(group, dim=1).contiguous()
    return keys, queries, values, hidden


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_case(name, runs, warmup, seed):
    tokens, count, length, layers = CASES[name]
    spans = screenshot_spans(tokens, count, length)
    capacity = math.trunc(tokens * (BUDGET_PERCENT / 100))
    generator = torch.Generator().manual_seed(seed)
    keys, queries, values, hidden = make_inputs(tokens, generator)
    states = [LayerState() for _ in range(layers)]

    def step():
        for state in states:
            update_kv(keys, queries, values, hidden, spans, capacity, state)

    # Ten calls bring the online counter to 10 (lambda > 0 from call 6 on), then warm-up.
    for _ in range(10 + warmup):
        step()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return {
        "case": name,
        "backend": f"pytorch-{torch.__version__}-threads{torch.get_num_threads()}",
        "medianMs": statistics.median(times),
        "minMs": min(times),
        "maxMs": max(times),
        "peakRssBytes": peak_rss_bytes(),
        "runs": runs,
    }


def time_median(runs, body):
    body()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        body()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def profile_case(name, runs, seed):
    """Times the main parts of one layer's call alone, as packages/bench --profile does."""
    tokens, count, length, _ = CASES[name]
    spans = screenshot_spans(tokens, count, length)
    capacity = math.trunc(tokens * (BUDGET_PERCENT / 100))
    keys, queries, values, hidden = make_inputs(tokens, torch.Generator().manual_seed(seed))
    past = tokens - WINDOW
    s, e = clip_spans(spans, past)[-1]
    pooled = window_scores(queries, keys, WINDOW)
    group_scores = pooled[0].view(KV_HEADS, HEADS // KV_HEADS, -1).mean(dim=1)
    base = pooled[0].mean(dim=0)
    kept = torch.topk(base, capacity - WINDOW).indices.sort().values

    def gather():
        torch.cat([keys[:, :, kept], keys[:, :, -WINDOW:]], dim=2)
        torch.cat([values[:, :, kept], values[:, :, -WINDOW:]], dim=2)

    return {
        "windowScores": time_median(runs, lambda: window_scores(queries, keys, WINDOW)),
        "hiddenNorms": time_median(runs, lambda: hidden[0, s:e].norm(dim=-1)),
        "groupMI": time_median(runs, lambda: group_mi(group_scores, (s, e))),
        "groupAndHeadMeans": time_median(runs, lambda: (pooled[0].view(KV_HEADS, HEADS // KV_HEADS, -1).mean(dim=1), pooled[0].mean(dim=0))),
        "topK": time_median(runs, lambda: torch.topk(base, capacity - WINDOW).indices.sort()),
        "gather": time_median(runs, gather),
    }


def measure_floor():
    """Measure the float32 sgemm rate (OpenBLAS through torch) and the bandwidth of a 256 MiB copy."""
    a = torch.randn(2048, 2048)
    b = torch.randn(2048, 2048)
    a @ b
    best = min(time_median(1, lambda: a @ b) for _ in range(5))
    source = torch.ones(2 ** 26)
    target = torch.empty_like(source)
    target.copy_(source)
    best_copy = min(time_median(1, lambda: target.copy_(source)) for _ in range(5))
    return {"sgemmFlops": 2 * 2048 ** 3 / (best / 1000), "copyBytesPerSecond": 2 * source.numel() * 4 / (best_copy / 1000)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="case to run (repeatable); default: all")
    parser.add_argument("--runs", type=int, default=7, help="timed calls per case (default 7)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls after the 10 that pass the MI warm-up (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON object per case instead of a table")
    parser.add_argument("--profile", action="store_true", help="also time the parts of one layer's call alone")
    parser.add_argument("--floor", action="store_true", help="also measure the sgemm rate and the copy bandwidth")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    names = args.case or list(CASES)
    if not args.json:
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; torch {torch.__version__}, "
              f"numpy {np.__version__}, {torch.get_num_threads()} threads; {time.strftime('%Y-%m-%d %H:%M:%S')}")
    if args.floor:
        floor = measure_floor()
        if args.json:
            print(json.dumps({"floor": floor}), flush=True)
        else:
            print(f"floor ({torch.get_num_threads()} threads): sgemm {floor['sgemmFlops'] / 1e9:.1f} GFLOP/s, "
                  f"copy {floor['copyBytesPerSecond'] / 1e9:.1f} GB/s", flush=True)
    if not args.json:
        print(f"{'case':<24}{'median ms':>11}{'min ms':>9}{'max ms':>9}{'peak rss MiB':>14}")
    for name in names:
        result = run_case(name, args.runs, args.warmup, args.seed)
        if args.profile:
            result["profile"] = profile_case(name, args.runs, args.seed)
        if args.json:
            print(json.dumps(result), flush=True)
        else:
            print(f"{name:<24}{result['medianMs']:>11.1f}{result['minMs']:>9.1f}{result['maxMs']:>9.1f}"
                  f"{result['peakRssBytes'] / 2**20:>14.0f}", flush=True)
            if args.profile:
                print("    parts (median ms): " + ", ".join(f"{part} {ms:.2f}" for part, ms in result["profile"].items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
