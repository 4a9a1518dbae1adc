"""Training and validation batches from a set written by `starkv testbed-data`."""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass

import numpy as np
import torch

from model import pixel_patches

SCREEN, IMAGE, ANSWER, PAD = 1, 2, 3, 0


@dataclass
class Query:
    tokens: list[int]
    # Patch indices (screen offset + row * grid + column) that count as a hit in training.
    targets: list[int]
    # Cells (row * grid + column) of the target element: a click on any of them is correct.
    cells: set[int]
    kind: str


@dataclass
class Item:
    screens: list[int]
    queries: list[Query]


class TrainingSet:
    def __init__(self, directory: str) -> None:
        with open(os.path.join(directory, "dataset.json")) as handle:
            self.meta = json.load(handle)
        self.grid = self.meta["gridSize"]
        self.patch = self.meta["patchSize"]
        side = self.grid * self.patch
        raw = np.fromfile(os.path.join(directory, "screens.u8"), dtype=np.uint8).reshape(-1, side, side, 3)
        self.pixels = torch.from_numpy(raw)
        self.layouts = self.meta["layouts"]
        self.history_tokens = {int(k): v for k, v in self.meta["historyTokens"].items()}

    def cells(self, element: dict) -> set[int]:
        rect = element["rect"]
        return {r * self.grid + c for r in range(rect["row"], rect["row"] + rect["rows"]) for c in range(rect["column"], rect["column"] + rect["columns"])}

    def shape_count(self, layout: dict) -> int:
        return sum(1 for e in layout["elements"] if e["kind"] == "shape")

    def single(self, rng: random.Random, kinds: set[str], max_queries: int, max_shapes: int = 99) -> Item | None:
        layout = self.layouts[rng.randrange(len(self.layouts))]
        if self.shape_count(layout) > max_shapes:
            return None
        candidates = [q for q in layout["queries"] if q["kind"] in kinds]
        if not candidates:
            return None
        rng.shuffle(candidates)
        screen = rng.choice(layout["screens"])
        elements = layout["elements"]
        queries = []
        for q in candidates[:max_queries]:
            cells = self.cells(elements[q["target"]])
            queries.append(Query(q["tokens"], sorted(cells), cells, q["kind"]))
        return Item([screen], queries)

    def episode(self, rng: random.Random, screens: int, max_queries: int, history_share: float) -> Item | None:
        layout = self.layouts[rng.randrange(len(self.layouts))]
        selectable = list(range(1, len(layout["screens"])))
        if len(selectable) < screens - 1:
            return None
        order = rng.sample(selectable, screens - 1)
        chosen = [layout["screens"][i] for i in order] + [layout["screens"][0]]
        selected = [layout["selected"][i] for i in order] + [-1]
        elements = layout["elements"]
        per_screen = self.grid * self.grid
        current = (screens - 1) * per_screen
        queries: list[Query] = []
        for ago in (1, 2):
            if screens - 1 - ago < 0:
                continue
            target = selected[screens - 1 - ago]
            cells = self.cells(elements[target])
            earlier = (screens - 1 - ago) * per_screen
            targets = sorted({earlier + c for c in cells} | {current + c for c in cells})
            queries.append(Query(self.history_tokens[ago], targets, cells, "history"))
        others = list(layout["queries"])
        rng.shuffle(others)
        want = max(0, int(round(len(queries) * (1 - history_share) / max(history_share, 1e-6))))
        for q in others[: min(want, max_queries - len(queries))]:
            cells = self.cells(elements[q["target"]])
            queries.append(Query(q["tokens"], sorted(current + c for c in cells), cells, q["kind"]))
        return Item(chosen, queries[:max_queries])


def collate(data: TrainingSet, items: list[Item]) -> dict[str, torch.Tensor]:
    """Packs items: screens first, then one block per query (instruction + answer token) that sees the screens and itself."""
    grid, per_screen = data.grid, data.grid * data.grid
    block = len(items[0].queries[0].tokens) + 1
    lengths = [len(it.screens) * (1 + per_screen) + len(it.queries) * block for it in items]
    length = max(lengths)
    count = max(len(it.queries) for it in items)
    batch = len(items)
    tokens = torch.full((batch, length), PAD, dtype=torch.long)
    is_patch = torch.zeros(batch, length, dtype=torch.bool)
    patches = torch.zeros(batch, length, data.patch * data.patch * 3)
    positions = torch.zeros(batch, length, 3, dtype=torch.long)
    mask = torch.full((batch, length, length), float("-inf"))
    answers = torch.zeros(batch, count, dtype=torch.long)
    targets = torch.zeros(batch, count, length, dtype=torch.bool)
    valid = torch.zeros(batch, count, dtype=torch.bool)
    rows = torch.arange(grid).repeat_interleave(grid)
    cols = torch.arange(grid).repeat(grid)
    for b, item in enumerate(items):
        cursor, p = 0, 0
        patch_index: list[int] = []
        for screen in item.screens:
            tokens[b, cursor] = SCREEN
            positions[b, cursor] = p
            cursor, p = cursor + 1, p + 1
            span = slice(cursor, cursor + per_screen)
            tokens[b, span] = IMAGE
            is_patch[b, span] = True
            patches[b, span] = pixel_patches(data.pixels[screen], data.patch)
            positions[b, span, 0] = p
            positions[b, span, 1] = p + rows
            positions[b, span, 2] = p + cols
            patch_index.extend(range(cursor, cursor + per_screen))
            cursor, p = cursor + per_screen, p + grid
        prefix = cursor
        mask[b, :prefix, :prefix] = torch.triu(torch.full((prefix, prefix), float("-inf")), diagonal=1)
        for k, query in enumerate(item.queries):
            start = cursor
            ids = query.tokens + [ANSWER]
            tokens[b, start : start + block] = torch.tensor(ids)
            positions[b, start : start + block] = (p + torch.arange(block))[:, None]
            mask[b, start : start + block, :prefix] = 0
            mask[b, start : start + block, start : start + block] = torch.triu(torch.full((block, block), float("-inf")), diagonal=1)
            answers[b, k] = start + block - 1
            valid[b, k] = True
            for t in query.targets:
                targets[b, k, patch_index[t]] = True
            cursor += block
        for pad in range(cursor, length):
            mask[b, pad, pad] = 0
    return {"tokens": tokens, "patches": patches, "is_patch": is_patch, "positions": positions, "mask": mask, "answers": answers, "targets": targets, "valid": valid}
