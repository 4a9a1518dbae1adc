"""Reads the testbed weights written by train.py back into a model."""

from __future__ import annotations

import json
import struct

import numpy as np
import torch

from model import Config, Testbed


def read_safetensors(path: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    with open(path, "rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
        data = handle.read()
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {entry['dtype']}; the testbed weights are F32")
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(entry["shape"])
    return tensors, metadata


def load_model(path: str) -> Testbed:
    tensors, metadata = read_safetensors(path)
    config = Config(**json.loads(metadata["config"]))
    model = Testbed(config)
    model.load_state_dict({name: torch.from_numpy(value.copy()) for name, value in tensors.items()})
    model.eval()
    return model
