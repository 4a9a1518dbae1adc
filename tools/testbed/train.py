"""Trains the testbed model from scratch on CPU, in curriculum stages, and writes its weights.

Usage (after `pnpm -s starkv testbed-data --out DIR`):
  /usr/bin/python3 tools/testbed/train.py --data DIR --val VALDIR --out packages/testbed/model/testbed.safetensors

Stages (steps are set with --schedule): `attr-small` attribute queries on screens with at
most three shapes; `attr` every screen; `text` adds text-label queries; `history` adds
episodes of 3-5 screens whose history queries name an element selected one or two screens
ago. Everything is drawn from --seed, so a run is reproducible on the same machine.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "export-capture"))

from data import Item, TrainingSet, collate  # noqa: E402
from export_capture import write_safetensors  # noqa: E402
from model import Config, Testbed  # noqa: E402


def pointer_loss(scores: torch.Tensor, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Negative log of the probability mass on the target patches, over all patches; also the argmax hits."""
    patch = batch["is_patch"][:, None, :]
    scores = scores.masked_fill(~patch, float("-inf"))
    on_target = torch.logsumexp(scores.masked_fill(~batch["targets"], float("-inf")), dim=-1)
    total = torch.logsumexp(scores, dim=-1)
    valid = batch["valid"]
    loss = torch.where(valid, total - on_target, torch.zeros_like(total)).sum() / valid.sum()
    best = scores.argmax(-1, keepdim=True)
    hits = batch["targets"].gather(-1, best).squeeze(-1) & valid
    return loss, hits


def draw(data: TrainingSet, rng: random.Random, stage: str) -> list[Item]:
    items: list[Item] = []
    if stage == "history" and rng.random() < 0.5:
        while len(items) < 4:
            item = data.episode(rng, rng.randint(3, 5), 8, 0.5)
            if item is not None:
                items.append(item)
        return items
    kinds = {"attribute"} if stage in ("attr-small", "attr") else {"attribute", "text"}
    max_shapes = 3 if stage == "attr-small" else 99
    while len(items) < 8:
        item = data.single(rng, kinds, 12, max_shapes)
        if item is not None:
            items.append(item)
    return items


@torch.no_grad()
def validate(model: Testbed, data: TrainingSet, seed: int) -> dict[str, float]:
    """Accuracy per kind on fixed draws from the validation set: a click is correct when the pointed cell lies on the target."""
    model.eval()
    rng = random.Random(seed)
    counts: dict[str, list[int]] = {}
    batches: list[list[Item]] = []
    for _ in range(12):
        batches.append([it for it in (data.single(rng, {"attribute", "text"}, 12) for _ in range(8)) if it is not None])
    for _ in range(12):
        batches.append([it for it in (data.episode(rng, rng.randint(3, 6), 2, 1.0) for _ in range(4)) if it is not None])
    grid = data.grid * data.grid
    for items in batches:
        batch = collate(data, items)
        scores, _ = model(batch["tokens"], batch["patches"], batch["is_patch"], batch["positions"], batch["mask"], batch["answers"])
        scores = scores.masked_fill(~batch["is_patch"][:, None, :], float("-inf"))
        best = scores.argmax(-1)
        for b, item in enumerate(items):
            patch_positions = batch["is_patch"][b].nonzero().squeeze(-1).tolist()
            lookup = {pos: i for i, pos in enumerate(patch_positions)}
            for k, query in enumerate(item.queries):
                cell = lookup[int(best[b, k])] % grid
                tally = counts.setdefault(query.kind, [0, 0])
                tally[0] += int(cell in query.cells)
                tally[1] += 1
    model.train()
    return {kind: hit / total for kind, (hit, total) in counts.items()}


STAGES = ("attr-small", "attr", "text", "history")


def parse_schedule(parser: argparse.ArgumentParser, text: str) -> list[tuple[str, int]]:
    """Reads `stage:steps,...`; exits with a usage error naming a bad part."""
    stages = []
    for part in text.split(","):
        name, _, steps = part.partition(":")
        if name not in STAGES or not steps.isdigit() or int(steps) < 1:
            parser.error(f"--schedule part {part!r} is invalid; expected stage:steps with a stage of {', '.join(STAGES)} and a positive step count")
        stages.append((name, int(steps)))
    return stages


def save(model: Testbed, config: Config, path: str, info: dict[str, object]) -> None:
    tensors = {name: value.detach().numpy() for name, value in model.state_dict().items()}
    write_safetensors(path, tensors, "F32", {"config": json.dumps(config.fields()), "training": json.dumps(info)})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="training set folder written by starkv testbed-data")
    parser.add_argument("--val", required=True, help="validation set folder written by starkv testbed-data (another seed)")
    parser.add_argument("--out", required=True, help="safetensors file for the weights")
    parser.add_argument("--schedule", default="attr-small:300,attr:500,text:1000,history:1600", help="stage:steps,... with stages attr-small, attr, text, history (default %(default)s)")
    parser.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (default %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the batches and the initial weights (default %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads; use 1 when another process shares the cores (default %(default)s)")
    parser.add_argument("--resume", help="checkpoint (.pt) to start from")
    parser.add_argument("--checkpoint", default="/tmp/testbed-checkpoint.pt", help="where each validation step saves model, optimizer and sampler state for --resume (default %(default)s)")
    parser.add_argument("--stop-after", type=int, help="stop after this step's checkpoint (the learning-rate schedule still spans the whole --schedule)")
    parser.add_argument("--log-every", type=int, default=50, help="steps between training log lines (default %(default)s)")
    parser.add_argument("--val-every", type=int, default=300, help="steps between validation and checkpoint (default %(default)s)")
    args = parser.parse_args()

    stages = parse_schedule(parser, args.schedule)
    for folder in (args.data, args.val):
        if not os.path.isfile(os.path.join(folder, "dataset.json")):
            parser.error(f"{folder} has no dataset.json; render a set with pnpm -s starkv testbed-data --out {folder}")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    data, val = TrainingSet(args.data), TrainingSet(args.val)
    config = Config(vocab=len(data.meta["vocabulary"]))
    model = Testbed(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    total = sum(steps for _, steps in stages)
    step0 = 0
    if args.resume:
        state = torch.load(args.resume)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step0 = state["step"]
        rng.setstate(state["rng"])
    print(json.dumps({"parameters": sum(p.numel() for p in model.parameters()), "config": config.fields(), "stages": stages}), flush=True)
    started = time.time()
    step = 0
    for name, steps in stages:
        for _ in range(steps):
            step += 1
            if step <= step0:
                continue
            warm = min(1.0, step / 100)
            lr = args.lr * warm * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / total)))
            for group in optimizer.param_groups:
                group["lr"] = lr
            batch = collate(data, draw(data, rng, name))
            scores, _ = model(batch["tokens"], batch["patches"], batch["is_patch"], batch["positions"], batch["mask"], batch["answers"])
            loss, hits = pointer_loss(scores, batch)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            if step % args.log_every == 0:
                accuracy = hits.sum().item() / batch["valid"].sum().item()
                print(json.dumps({"step": step, "stage": name, "loss": round(loss.item(), 4), "train_hits": round(accuracy, 3), "lr": round(lr, 6), "seconds": round(time.time() - started, 1)}), flush=True)
            if step % args.val_every == 0 or step == total or step == args.stop_after:
                result = validate(model, val, 1234)
                print(json.dumps({"step": step, "stage": name, "val": {k: round(v, 3) for k, v in result.items()}, "seconds": round(time.time() - started, 1)}), flush=True)
                torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step, "rng": rng.getstate()}, args.checkpoint)
                save(model, config, args.out, {"step": step, "stage": name, "seed": args.seed, "schedule": args.schedule, "val": result, "seconds": round(time.time() - started, 1)})
            if args.stop_after is not None and step >= args.stop_after:
                return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
