#!/usr/bin/env python3
"""Tests of export_capture.py on a small randomly initialised attention stack in plain PyTorch.

The stack mirrors the parts of a Qwen2-style decoder that the exporter relies on: an
input RMSNorm, attention modules with q_proj/k_proj/v_proj (biased, 4 query heads over 2
KV heads, head_dim 8), rotary embeddings passed as position_embeddings=(cos, sin) by
keyword, either 1-D or multimodal (3 position axes), and a KV cache. The prompt has
two fake screenshots. No transformers, no downloads.

Usage: test_export.py [--out DIR]. With --out, the captures and expected.json stay in
DIR for the TypeScript reader's round-trip test; without it they go to a temporary
folder that is removed. Exits 1 when a test fails.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import traceback
import types
from dataclasses import dataclass, field
from typing import Any, Callable

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import export_capture as ec  # noqa: E402

IMAGE_TOKEN, VISION_START, VISION_END = 60, 61, 62
WINDOW = 4
EVAL_QUERIES = 3
LAYERS = [0, 2]


# --------------------------------------------------------------------------------------
# the small model
# --------------------------------------------------------------------------------------


@dataclass
class TinyConfig:
    hidden: int = 32
    heads: int = 4
    kv_heads: int = 2
    head_dim: int = 8
    layers: int = 3
    vocab: int = 64
    rope: str = "rope"
    mrope_section: list[int] = field(default_factory=lambda: [1, 1, 2])
    theta: float = 10000.0


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def apply_rotary_pos_emb(q: torch.Tensor, k: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Rotate [batch, heads, tokens, dim] by tables [batch, tokens, dim]."""
    cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
    return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin


def apply_multimodal_rotary_pos_emb(q: torch.Tensor, k: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, mrope_section: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Rotate with tables [3, batch, tokens, dim]: each channel takes the angle of one position axis."""
    axis = torch.cat([torch.full((n,), i % 3, dtype=torch.long) for i, n in enumerate(list(mrope_section) * 2)])
    select = nn.functional.one_hot(axis, 3).T.to(cos.dtype)[:, None, None, :]
    return apply_rotary_pos_emb(q, k, (cos * select).sum(0), (sin * select).sum(0))


class TinyRotary(nn.Module):
    def __init__(self, config: TinyConfig) -> None:
        super().__init__()
        exponents = torch.arange(0, config.head_dim, 2, dtype=torch.float32) / config.head_dim
        self.register_buffer("inverse_frequency", 1.0 / config.theta**exponents, persistent=False)

    def forward(self, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        angles = positions[..., None].float() * self.inverse_frequency
        table = torch.cat((angles, angles), dim=-1)
        return table.cos(), table.sin()


class TinyRMSNorm(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(1 + 0.1 * torch.randn(width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)


class TinyAttention(nn.Module):
    def __init__(self, config: TinyConfig, layer_idx: int) -> None:
        super().__init__()
        self.layer_idx = layer_idx
        self.head_dim = config.head_dim
        self.heads, self.kv_heads = config.heads, config.kv_heads
        self.rope_scaling = {"mrope_section": config.mrope_section}
        self.q_proj = nn.Linear(config.hidden, config.heads * config.head_dim, bias=True)
        self.k_proj = nn.Linear(config.hidden, config.kv_heads * config.head_dim, bias=True)
        self.v_proj = nn.Linear(config.hidden, config.kv_heads * config.head_dim, bias=True)
        self.o_proj = nn.Linear(config.heads * config.head_dim, config.hidden, bias=False)
        self.seen_queries: list[torch.Tensor] = []

    def forward(self, hidden_states: torch.Tensor, position_embeddings: tuple[torch.Tensor, torch.Tensor], past_key_value: list[Any], **_: Any) -> torch.Tensor:
        batch, tokens, _ = hidden_states.shape
        shape = (batch, tokens, -1, self.head_dim)
        q = self.q_proj(hidden_states).view(shape).transpose(1, 2)
        k = self.k_proj(hidden_states).view(shape).transpose(1, 2)
        v = self.v_proj(hidden_states).view(shape).transpose(1, 2)
        cos, sin = position_embeddings
        if cos.dim() == 4:
            q, k = apply_multimodal_rotary_pos_emb(q, k, cos, sin, self.rope_scaling["mrope_section"])
        else:
            q, k = apply_rotary_pos_emb(q, k, cos, sin)
        self.seen_queries.append(q.detach().clone())

        cached = past_key_value[self.layer_idx]
        if cached is not None:
            k, v = torch.cat((cached[0], k), dim=2), torch.cat((cached[1], v), dim=2)
        past_key_value[self.layer_idx] = (k, v)

        groups = self.heads // self.kv_heads
        keys, values = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
        scores = q @ keys.transpose(-1, -2) / math.sqrt(self.head_dim)
        past = keys.shape[2] - tokens
        visible = torch.arange(keys.shape[2])[None, :] <= (past + torch.arange(tokens))[:, None]
        scores = scores.masked_fill(~visible, float("-inf"))
        output = scores.softmax(dim=-1) @ values
        return self.o_proj(output.transpose(1, 2).reshape(batch, tokens, -1))


class TinyDecoderLayer(nn.Module):
    def __init__(self, config: TinyConfig, layer_idx: int) -> None:
        super().__init__()
        self.input_layernorm = TinyRMSNorm(config.hidden)
        self.self_attn = TinyAttention(config, layer_idx)
        self.post_attention_layernorm = TinyRMSNorm(config.hidden)
        self.mlp = nn.Sequential(nn.Linear(config.hidden, 2 * config.hidden), nn.SiLU(), nn.Linear(2 * config.hidden, config.hidden))
        self.seen_inputs: list[torch.Tensor] = []

    def forward(self, hidden: torch.Tensor, position_embeddings: tuple[torch.Tensor, torch.Tensor], cache: list[Any]) -> torch.Tensor:
        normed = self.input_layernorm(hidden)
        self.seen_inputs.append(normed.detach().clone())
        hidden = hidden + self.self_attn(hidden_states=normed, position_embeddings=position_embeddings, past_key_value=cache)
        return hidden + self.mlp(self.post_attention_layernorm(hidden))


class TinyModel(nn.Module):
    def __init__(self, config: TinyConfig) -> None:
        super().__init__()
        self.config = config
        self.embed_tokens = nn.Embedding(config.vocab, config.hidden)
        self.layers = nn.ModuleList([TinyDecoderLayer(config, i) for i in range(config.layers)])
        self.norm = TinyRMSNorm(config.hidden)
        self.rotary_emb = TinyRotary(config)
        self.lm_head = nn.Linear(config.hidden, config.vocab, bias=False)

    @torch.no_grad()
    def forward(self, input_ids: torch.Tensor, positions: torch.Tensor, cache: list[Any]) -> torch.Tensor:
        hidden = self.embed_tokens(input_ids)
        embeddings = self.rotary_emb(positions)
        for layer in self.layers:
            hidden = layer(hidden, embeddings, cache)
        return self.lm_head(self.norm(hidden))


# --------------------------------------------------------------------------------------
# prompt and run
# --------------------------------------------------------------------------------------

GRIDS = [(2, 3), (3, 2)]
SIZES = [[90, 60], [50, 80]]
TARGETS = [[[10.0, 12.0, 30.0, 20.0]], []]


def build_prompt(rope: str) -> tuple[list[int], torch.Tensor, list[list[int]]]:
    """Return token ids, position ids ([1, T] or [3, 1, T]) and image_grid_thw of a prompt with two screenshots."""
    ids: list[int] = []
    axes: list[tuple[int, int, int]] = []
    counter = 0

    def text(tokens: list[int]) -> None:
        nonlocal counter
        for token in tokens:
            ids.append(token)
            axes.append((counter, counter, counter))
            counter += 1

    def image(rows: int, cols: int) -> None:
        nonlocal counter
        text([VISION_START])
        for r in range(rows):
            for c in range(cols):
                ids.append(IMAGE_TOKEN)
                axes.append((counter, counter + r, counter + c))
        counter += max(rows, cols)
        text([VISION_END])

    text([1, 2, 3, 4, 5])
    image(*GRIDS[0])
    text([7, 8])
    image(*GRIDS[1])
    text([9, 10, 11, 12, 13, 14, 15])
    table = torch.tensor(axes).T[:, None, :]
    positions = table if rope == "mrope" else torch.arange(len(ids))[None, :]
    grid_thw = [[1, 2 * rows, 2 * cols] for rows, cols in GRIDS]
    return ids, positions, grid_thw


@dataclass
class Run:
    model: TinyModel
    ids: list[int]
    recorder: ec.AttentionRecorder
    cache: list[Any]
    grid_thw: list[list[int]]


def run_model(rope: str, full_hidden: bool = False, decode_steps: int = EVAL_QUERIES, seed: int = 5) -> Run:
    torch.manual_seed(seed)
    model = TinyModel(TinyConfig(rope=rope)).eval()
    ids, positions, grid_thw = build_prompt(rope)
    attentions = {layer: model.layers[layer].self_attn for layer in LAYERS}
    cache: list[Any] = [None] * model.config.layers
    with ec.AttentionRecorder(attentions, WINDOW, EVAL_QUERIES, full_hidden) as recorder:
        logits = model(torch.tensor([ids]), positions, cache)
        last = positions[..., -1:]
        for _ in range(decode_steps):
            token = int(logits[0, -1, :59].argmax())
            last = last + 1
            logits = model(torch.tensor([[token]]), last, cache)
    return Run(model, ids, recorder, cache, grid_thw)


def model_fields(config: TinyConfig) -> dict[str, Any]:
    return {"name": "tiny-test", "layers": config.layers, "queryHeads": config.heads, "kvHeads": config.kv_heads, "headDim": config.head_dim, "hidden": config.hidden, "rope": "mrope" if config.rope == "mrope" else "rope"}


def capture_of(run: Run) -> tuple[dict[str, Any], Any]:
    return ec.build_capture(run.recorder, run.cache, run.ids, run.grid_thw, model_fields(run.model.config), image_token_id=IMAGE_TOKEN, merge_size=2, sizes=SIZES, targets=TARGETS)


def read_safetensors(path: str) -> tuple[dict[str, Any], bytes]:
    """Read a safetensors file with nothing but the format description."""
    with open(path, "rb") as file:
        blob = file.read()
    length = int.from_bytes(blob[:8], "little")
    return json.loads(blob[8 : 8 + length]), blob[8 + length :]


def close(actual: Any, expected: Any, what: str, tolerance: float = 1e-5) -> None:
    a, e = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert a.shape == e.shape, f"{what}: shape {a.shape} differs from {e.shape}"
    error = float(np.max(np.abs(a - e))) if a.size else 0.0
    assert error <= tolerance, f"{what}: largest difference {error} above {tolerance}"


# --------------------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------------------


def test_queries_keys_and_norms_match_the_model(rope: str) -> None:
    run = run_model(rope)
    sidecar, tensors = capture_of(run)
    seq_len = len(run.ids)
    for layer in LAYERS:
        attention = run.model.layers[layer].self_attn
        prefill_input = run.model.layers[layer].seen_inputs[0]
        keys, values = run.cache[layer]
        assert np.array_equal(tensors[f"L{layer}.k"], keys[0, :, :seq_len].numpy()), "keys must be the cached keys"
        assert np.array_equal(tensors[f"L{layer}.v"], values[0, :, :seq_len].numpy()), "values must be the cached values"
        # The cached keys are post-RoPE: recompute them from the attention input.
        cos, sin = run.model.rotary_emb(build_prompt(rope)[1])
        raw = attention.k_proj(prefill_input).view(1, seq_len, -1, attention.head_dim).transpose(1, 2)
        rotated = apply_multimodal_rotary_pos_emb(raw, raw, cos, sin, attention.rope_scaling["mrope_section"])[0] if rope == "mrope" else apply_rotary_pos_emb(raw, raw, cos, sin)[0]
        close(tensors[f"L{layer}.k"], rotated[0].detach(), f"layer {layer} keys against k_proj + RoPE")
        close(tensors[f"L{layer}.q_win"], attention.seen_queries[0][0, :, -WINDOW:], f"layer {layer} window queries")
        close(tensors[f"L{layer}.h_norm"], prefill_input[0].norm(dim=-1), f"layer {layer} hidden-state norms")
        expected_eval = torch.cat([q[0, :, :1] for q in attention.seen_queries[1 : 1 + EVAL_QUERIES]], dim=1)
        close(tensors[f"L{layer}.q_eval"], expected_eval, f"layer {layer} eval queries")
        assert tensors[f"L{layer}.q_win"].shape == (4, WINDOW, 8)
        assert tensors[f"L{layer}.k"].shape == (2, seq_len, 8)
    assert sidecar["seqLen"] == seq_len == 30
    assert [image["span"] for image in sidecar["images"]] == [[6, 12], [16, 22]], sidecar["images"]
    assert [image["grid"] for image in sidecar["images"]] == [[2, 3], [3, 2]]
    assert [image["resized"] for image in sidecar["images"]] == [[84, 56], [56, 84]]
    assert sidecar["images"][0]["targets"] == TARGETS[0]
    assert "targets" not in sidecar["images"][1]
    assert sidecar["layers"] == LAYERS
    assert sidecar["window"] == WINDOW


def test_full_hidden_states(rope: str) -> None:
    run = run_model(rope, full_hidden=True)
    _, tensors = capture_of(run)
    for layer in LAYERS:
        close(tensors[f"L{layer}.h"], run.model.layers[layer].seen_inputs[0][0], f"layer {layer} attention input", 0.0)
        assert f"L{layer}.h_norm" not in tensors


def test_hooks_are_removed(rope: str) -> None:
    run = run_model(rope)
    for layer in LAYERS:
        attention = run.model.layers[layer].self_attn
        assert "forward" not in attention.__dict__, "the recorder must restore forward"
        assert not attention._forward_pre_hooks, "the recorder must remove its hooks"


def test_existing_instance_forward_is_restored(rope: str) -> None:
    model = TinyModel(TinyConfig(rope=rope))
    attention = model.layers[0].self_attn
    calls: list[int] = []
    plain = attention.forward

    def device_hook(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return plain(*args, **kwargs)

    attention.forward = device_hook
    ids, positions, _ = build_prompt(rope)
    with ec.AttentionRecorder({0: attention}, WINDOW) as recorder:
        model(torch.tensor([ids]), positions, [None] * 3)
    assert attention.__dict__["forward"] is device_hook
    assert calls == [1]
    assert recorder.records[0].queries is not None


def test_clear_errors(rope: str) -> None:
    model = TinyModel(TinyConfig(rope=rope))
    ids, positions, grid_thw = build_prompt(rope)
    attention = {0: model.layers[0].self_attn}
    expect_error(lambda: _run_with(model, attention, torch.tensor([ids, ids]), positions, WINDOW), ValueError, "one prompt at a time")
    expect_error(lambda: _run_with(model, attention, torch.tensor([ids]), positions, 31), ValueError, "fewer than the window 31")
    short = run_model(rope, decode_steps=2)
    expect_error(lambda: capture_of(short), RuntimeError, "recorded 2 of 3 eval queries")
    expect_error(lambda: ec.image_spans(ids, grid_thw[:1], IMAGE_TOKEN, 2), ValueError, "image_grid_thw accounts for 6")
    expect_error(lambda: ec.image_spans(ids, [[1, 4, 6], [1, 6, 6]], IMAGE_TOKEN, 2), ValueError, "needs 9 image tokens")
    expect_error(lambda: ec.encode_tensor(np.array([7e4]), "F16", "x"), ValueError, "overflows F16")
    expect_error(lambda: ec.encode_tensor(np.array([0.0, np.nan]), "F32", "x"), ValueError, "contains nan at [1]")
    expect_error(lambda: ec.parse_layers("0,40", 28), ValueError, "layers 0 to 27")


def _run_with(model: TinyModel, attentions: dict[int, nn.Module], ids: torch.Tensor, positions: torch.Tensor, window: int) -> None:
    with ec.AttentionRecorder(attentions, window):
        model(ids, positions, [None] * model.config.layers)


def expect_error(action: Callable[[], Any], kind: type[BaseException], text: str) -> None:
    try:
        action()
    except kind as error:
        assert text in str(error), f"expected {text!r} in the message, got {str(error)!r}"
        return
    raise AssertionError(f"expected {kind.__name__} with {text!r}")


def test_adjacent_images_are_split(_rope: str) -> None:
    ids = [1] + [IMAGE_TOKEN] * 7 + [2]
    assert ec.image_spans(ids, [[1, 2, 6], [1, 4, 4]], IMAGE_TOKEN, 2) == [((1, 4), (1, 3)), ((4, 8), (2, 2))]


def test_command_line_and_config(_rope: str) -> None:
    args = ec.build_parser().parse_args(["--model", "m", "--image", "a.png", "--image", "b.png", "--prompt", "p", "--out", "o"])
    assert args.image == ["a.png", "b.png"]
    assert args.window == 8
    assert args.dtype == "bf16"
    assert args.eval_queries == 0
    assert ec.parse_layers("", 28) == [0, 9, 18, 27]
    assert ec.parse_layers("14,0,7,7", 28) == [0, 7, 14]
    assert ec.parse_layers("all", 3) == [0, 1, 2]
    text = types.SimpleNamespace(num_attention_heads=28, num_key_value_heads=4, hidden_size=3584, num_hidden_layers=28, rope_scaling={"type": "mrope", "mrope_section": [16, 24, 24]})
    assert ec.model_fields(types.SimpleNamespace(text_config=text), "UI-TARS") == {"name": "UI-TARS", "layers": 28, "queryHeads": 28, "kvHeads": 4, "headDim": 128, "hidden": 3584, "rope": "mrope"}
    model = TinyModel(TinyConfig())
    found = ec.find_attention_modules(model)
    assert found == [layer.self_attn for layer in model.layers]


def test_safetensors_bytes(_rope: str, out: str) -> None:
    values = np.array([[1.0, -2.5, 1 / 3], [65504.0, 1e-7, -0.0]], dtype=np.float32)
    for dtype in ("F32", "F16", "BF16"):
        path = os.path.join(out, f"bytes-{dtype}.safetensors")
        ec.write_safetensors(path, {"x": values}, dtype, {"note": "test"})
        header, data = read_safetensors(path)
        assert header["x"] == {"dtype": dtype, "shape": [2, 3], "data_offsets": [0, values.size * (4 if dtype == "F32" else 2)]}
        assert header["__metadata__"] == {"note": "test"}
        with open(path, "rb") as file:
            assert (int.from_bytes(file.read(8), "little") + 8) % 8 == 0, "data must start at a multiple of 8"
        if dtype == "F32":
            decoded = np.frombuffer(data, "<f4")
            expected = values.ravel()
        elif dtype == "F16":
            decoded = np.frombuffer(data, "<f2").astype(np.float32)
            expected = values.ravel().astype(np.float16).astype(np.float32)
        else:
            decoded = (np.frombuffer(data, "<u2").astype(np.uint32) << 16).view(np.float32)
            expected = torch.from_numpy(values.ravel()).to(torch.bfloat16).float().numpy()
        assert np.array_equal(decoded, expected), f"{dtype}: {decoded} != {expected}"
        os.remove(path)


def test_bf16_rounding_matches_torch(_rope: str) -> None:
    generator = np.random.default_rng(3)
    values = (generator.standard_normal(5000) * 10.0 ** generator.integers(-30, 30, 5000)).astype(np.float32)
    ours = np.frombuffer(ec.encode_tensor(values, "BF16", "x"), "<u2")
    theirs = torch.from_numpy(values).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
    assert np.array_equal(ours, theirs), f"{np.sum(ours != theirs)} values differ from torch's bfloat16 rounding"


# --------------------------------------------------------------------------------------
# captures for the TypeScript reader
# --------------------------------------------------------------------------------------


def write_round_trip_files(out: str) -> None:
    """Write tiny captures in every dtype and expected.json with the float32 values."""
    expected: dict[str, Any] = {"captures": [], "tensors": {}, "sidecars": {}}
    for rope in ("rope", "mrope"):
        sidecar, tensors = capture_of(run_model(rope))
        expected["sidecars"][rope] = sidecar
        expected["tensors"][rope] = {name: {"shape": list(value.shape), "data": [float(x) for x in value.ravel()]} for name, value in tensors.items()}
        for short, dtype in ec.DTYPES.items():
            base = f"tiny-{rope}-{short}"
            tensor_path, sidecar_path = ec.write_capture(os.path.join(out, base), sidecar, tensors, dtype)
            header, _ = read_safetensors(tensor_path)
            assert all(entry["dtype"] == dtype for name, entry in header.items() if name != "__metadata__")
            with open(sidecar_path, encoding="utf-8") as file:
                assert json.load(file) == sidecar
            expected["captures"].append({"base": base, "dtype": dtype, "rope": rope})
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as file:
        json.dump(expected, file)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="folder for the captures and expected.json (kept); a temporary folder when omitted")
    args = parser.parse_args(argv)
    out = args.out or tempfile.mkdtemp(prefix="starkv-export-test-")
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)

    tests = [(name, function) for name, function in globals().items() if name.startswith("test_") and callable(function)]
    failures = 0
    runs = 0
    for name, function in tests:
        # Tests whose first parameter is _rope do not depend on the rotary kind and run once.
        variants = ("rope",) if function.__code__.co_varnames[0] == "_rope" else ("rope", "mrope")
        for rope in variants:
            runs += 1
            try:
                if "out" in function.__code__.co_varnames[: function.__code__.co_argcount]:
                    function(rope, out)
                else:
                    function(rope)
            except Exception:
                failures += 1
                print(f"FAIL {name} [{rope}]\n{traceback.format_exc()}", file=sys.stderr)
    try:
        write_round_trip_files(out)
    except Exception:
        failures += 1
        print(f"FAIL write_round_trip_files\n{traceback.format_exc()}", file=sys.stderr)
    if not args.out:
        shutil.rmtree(out, ignore_errors=True)
    print(f"test_export.py: {runs - failures} passed, {failures} failed (torch {torch.__version__})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
