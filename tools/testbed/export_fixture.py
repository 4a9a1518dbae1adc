"""Writes, or checks, the conformance fixture of the TypeScript forward pass.

Write (one episode of a rendered set and the PyTorch outputs for the given weights):
  /usr/bin/python3 tools/testbed/export_fixture.py --weights packages/testbed/model/testbed.safetensors \
      --data DIR --out packages/testbed/test/fixtures/forward
Check (recompute from the fixture's own screenshots and compare with forward.json):
  /usr/bin/python3 tools/testbed/export_fixture.py --weights packages/testbed/model/testbed.safetensors \
      --check packages/testbed/test/fixtures/forward

The fixture holds the episode's screens as PNG and `forward.json`: the instruction tokens,
the answer token's pointer scores over every patch position (full cache), the last layer's
keys at a few positions and the first layer's normed hidden state of the last prompt token.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from data import Item, Query, collate  # noqa: E402
from weights import load_model  # noqa: E402


class Screens:
    """The minimal training-set view `collate` needs, over screenshots held in memory."""

    def __init__(self, pixels: list[np.ndarray], grid: int, patch: int) -> None:
        self.pixels = torch.from_numpy(np.stack(pixels))
        self.grid = grid
        self.patch = patch


def outputs(model: torch.nn.Module, screens: list[np.ndarray], tokens: list[int]) -> dict[str, object]:
    patch = model.config.patch
    grid = screens[0].shape[0] // patch
    data = Screens(screens, grid, patch)
    item = Item(list(range(len(screens))), [Query(tokens, [0], {0}, "fixture")])
    batch = collate(data, [item])  # type: ignore[arg-type]
    with torch.no_grad():
        scores, layers = model(batch["tokens"], batch["patches"], batch["is_patch"], batch["positions"], batch["mask"], batch["answers"], keep_layers=True)
    patch_positions = batch["is_patch"][0].nonzero().squeeze(-1)
    answer = int(batch["answers"][0, 0])
    last_keys = layers[-1]["keys"][0]
    probe = [int(patch_positions[0]), int(patch_positions[len(patch_positions) // 2]), answer - 1]
    pointed = scores[0, 0, patch_positions]
    return {
        "patchPositions": patch_positions.tolist(),
        "scores": pointed.tolist(),
        "best": int(patch_positions[pointed.argmax()]),
        "lastLayerKeys": {str(p): last_keys[:, p].tolist() for p in probe},
        "firstLayerHidden": {str(answer - 1): layers[0]["hidden"][0, answer - 1].tolist()},
    }


def write(args: argparse.Namespace, model: torch.nn.Module) -> int:
    from data import TrainingSet  # noqa: PLC0415

    data = TrainingSet(args.data)
    rng = random.Random(args.seed)
    item = None
    while item is None:
        item = data.episode(rng, 3, 1, 1.0)
    screens = [data.pixels[s].numpy() for s in item.screens]
    os.makedirs(args.out, exist_ok=True)
    names = []
    for i, screen in enumerate(screens):
        names.append(f"screen-{i}.png")
        Image.fromarray(screen).save(os.path.join(args.out, names[-1]))
    tokens = item.queries[0].tokens
    fixture = {"what": "testbed forward pass: pointer scores of the answer token with the full cache", "screens": names, "instruction": tokens, **outputs(model, screens, tokens)}
    with open(os.path.join(args.out, "forward.json"), "w") as handle:
        json.dump(fixture, handle)
    print(json.dumps({"out": args.out, "best": fixture["best"], "positions": len(fixture["scores"])}))
    return 0


def check(args: argparse.Namespace, model: torch.nn.Module) -> int:
    with open(os.path.join(args.check, "forward.json")) as handle:
        fixture = json.load(handle)
    screens = [np.asarray(Image.open(os.path.join(args.check, name)).convert("RGB")) for name in fixture["screens"]]
    fresh = outputs(model, screens, fixture["instruction"])
    worst = float(np.max(np.abs(np.array(fresh["scores"]) - np.array(fixture["scores"]))))
    same = fresh["patchPositions"] == fixture["patchPositions"] and fresh["best"] == fixture["best"] and worst <= args.tolerance
    print(json.dumps({"check": args.check, "max_score_difference": worst, "best": fresh["best"], "matches": same}))
    return 0 if same else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", required=True)
    parser.add_argument("--data", help="rendered set to draw the episode from (write mode)")
    parser.add_argument("--out", help="fixture folder to write")
    parser.add_argument("--check", help="fixture folder to check against the weights")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = load_model(args.weights)
    if args.check:
        return check(args, model)
    if not (args.data and args.out):
        parser.error("pass --data and --out to write a fixture, or --check DIR")
    return write(args, model)


if __name__ == "__main__":
    sys.exit(main())
