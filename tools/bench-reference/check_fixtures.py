#!/usr/bin/env python3
"""Checks the timed PyTorch step against the reference fixtures.

Runs every trajectory of fixtures/golden/update_kv_main.json through `update_kv` of
bench_reference.py, carrying the layer state between calls, and compares the kept
positions with the fixture's. That file uses the reproduction settings, the constants
of bench_reference.py. Prints one line per call and exits with 1 when any call differs.
"""

import json
import sys
from pathlib import Path

import torch

import bench_reference as reference

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "golden" / "update_kv_main.json"


def decode(tensor):
    if "ints" in tensor:
        values = [n * tensor.get("scale", 1) for n in tensor["ints"]]
    else:
        values = tensor["data"]
    return torch.tensor(values, dtype=torch.float32).reshape(tensor["shape"])


def main():
    root = json.loads(FIXTURE.read_text())
    failures = 0
    for trajectory in root["trajectories"]:
        state = reference.LayerState()
        heads = trajectory["num_heads"]
        kv_heads = trajectory["num_kv_heads"]
        for index, call in enumerate(trajectory["calls"]):
            inputs = call["inputs"]
            tokens = call["q_len"]
            window = call["window_size"]
            query_window = decode(inputs["query_window"])
            head_dim = query_window.shape[-1]
            queries = torch.zeros(1, heads, tokens, head_dim)
            queries[:, :, tokens - window:] = query_window
            group = heads // kv_heads
            keys = decode(inputs["key"]).repeat_interleave(group, dim=1)
            values = decode(inputs["value"]).repeat_interleave(group, dim=1)
            hidden = torch.zeros(1, tokens, inputs["hidden_dim"])
            if inputs.get("hidden_states_rows") is not None:
                start, end = inputs["hidden_rows"]
                hidden[:, start:end] = decode(inputs["hidden_states_rows"])
            spans = [tuple(span) for span in call["spans"] or []]
            _, _, kept = reference.update_kv(keys, queries, values, hidden, spans, call["max_capacity_prompt"], state, kv_heads=kv_heads, window=window)
            expected = call["per_batch"][0]["kept_indices"]["data"] if call["compressed"] else None
            actual = None if kept is None else kept.tolist()
            ok = actual == expected
            failures += 0 if ok else 1
            print(f"{'PASS' if ok else 'FAIL'}  {trajectory['name']} call {index}: {len(actual or [])} kept positions")
    print(f"{failures} of the calls differ from the fixture")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
