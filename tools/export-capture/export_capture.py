#!/usr/bin/env python3
"""Export a starkv-capture/1 capture from one prefill of a GUI-agent vision-language model.

A capture is ``NAME.safetensors`` plus a ``NAME.json`` sidecar. For each chosen decoder
layer ``l`` the safetensors file contains:

* ``L{l}.k``, ``L{l}.v``: ``[kvHeads, T, headDim]`` keys (after RoPE) and values of the
  whole prompt, taken from ``past_key_values`` at KV-head width;
* ``L{l}.q_win``: ``[queryHeads, window, headDim]`` queries of the last ``window`` prompt
  tokens, after RoPE;
* ``L{l}.h_norm``: ``[T]`` L2 norm of the attention input (after the input RMSNorm) per
  token, or ``L{l}.h`` ``[T, hidden]`` with ``--full-hidden``;
* ``L{l}.q_eval`` (with ``--eval-queries N``): ``[queryHeads, N, headDim]`` queries, after
  RoPE, of the first ``N`` tokens the model generates greedily after the prompt.

The model-independent core (``AttentionRecorder``, ``build_capture``, ``write_capture``,
``write_safetensors``) works on any attention module with ``q_proj``/``k_proj``/``v_proj``
linear layers and a ``position_embeddings=(cos, sin)`` argument, as in Hugging Face
transformers' Qwen2, Qwen2-VL and Qwen2.5-VL. ``tools/export-capture/test_export.py`` runs
that core on a small model written in plain PyTorch. The command-line part loads
Qwen2.5-VL-family models (UI-TARS-1.5, Qwen2.5-VL) through transformers, and OpenCUA
through its remote code.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import torch
from torch import nn

FORMAT = "starkv-capture/1"
QWEN_IMAGE_TOKEN_ID = 151655
"""``<|image_pad|>`` of the Qwen2-VL and Qwen2.5-VL tokenizers."""

DTYPES = {"f32": "F32", "f16": "F16", "bf16": "BF16"}
_BYTES = {"F32": 4, "F16": 2, "BF16": 2}
_F16_OVERFLOW = float(np.array([0x477FF000], dtype=np.uint32).view(np.float32)[0])
_BF16_OVERFLOW = float(np.array([0x7F7F8000], dtype=np.uint32).view(np.float32)[0])


# --------------------------------------------------------------------------------------
# safetensors writing (the format: u64 header length, JSON header, little-endian data)
# --------------------------------------------------------------------------------------


def encode_tensor(values: np.ndarray, dtype: str, name: str) -> bytes:
    """Encode ``values`` as little-endian ``F32``, ``F16`` or ``BF16`` bytes.

    Rounding is to nearest with ties to even. Raises ``ValueError`` for a non-finite value
    or one that would overflow the dtype, naming the tensor and the index.
    """
    data = np.ascontiguousarray(values, dtype=np.float32)
    bad = ~np.isfinite(data)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} contains {data[index]} at {list(index)}; every value must be finite")
    limit = {"F32": np.inf, "F16": _F16_OVERFLOW, "BF16": _BF16_OVERFLOW}[dtype]
    over = np.abs(data) >= limit
    if over.any():
        index = tuple(int(i) for i in np.argwhere(over)[0])
        raise ValueError(f"{name} contains {data[index]} at {list(index)}, which overflows {dtype}; export with --dtype f32 or bf16")
    if dtype == "F32":
        return data.astype("<f4").tobytes()
    if dtype == "F16":
        return data.astype("<f2").tobytes()
    # bfloat16 keeps the upper 16 bits of a float32; add half of the dropped part, plus
    # one more when the kept part is odd, so that ties round to even.
    bits = data.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype("<u2").tobytes()


def safetensors_header(layout: Sequence[tuple[str, str, Sequence[int]]], metadata: Mapping[str, str] | None = None) -> bytes:
    """Return the length field and JSON header for tensors laid out contiguously in order.

    ``layout`` lists ``(name, dtype, shape)``. The JSON is padded with spaces so that the
    data starts at a multiple of 8 bytes.
    """
    header: dict[str, Any] = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    offset = 0
    for name, dtype, shape in layout:
        size = int(np.prod(shape, dtype=np.int64)) * _BYTES[dtype]
        header[name] = {"dtype": dtype, "shape": [int(n) for n in shape], "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    padded = (8 + len(text) + 7) // 8 * 8 - 8
    return padded.to_bytes(8, "little") + text.ljust(padded, b" ")


def _temporary_path(path: str) -> str:
    return f"{path}.tmp-{os.getpid()}-{os.urandom(4).hex()}"


def write_safetensors(path: str, tensors: Mapping[str, np.ndarray], dtype: str | Callable[[str], str] = "F32", metadata: Mapping[str, str] | None = None) -> None:
    """Write float tensors to ``path`` in the safetensors format, in the order given.

    ``dtype`` is ``"F32"``, ``"F16"`` or ``"BF16"`` for every tensor, or a function of the
    name. Every tensor is encoded before the file is opened, and the file is written under
    a temporary name and renamed, so an error leaves nothing behind.
    """
    encoded: list[tuple[str, str, tuple[int, ...], bytes]] = []
    for name, values in tensors.items():
        kind = dtype(name) if callable(dtype) else dtype
        if kind not in _BYTES:
            raise ValueError(f"write_safetensors(): dtype of {name} is {kind!r}; expected F32, F16 or BF16")
        if name == "__metadata__" or not name:
            raise ValueError(f"write_safetensors(): tensor name {name!r} is reserved or empty")
        array = np.asarray(values)
        encoded.append((name, kind, tuple(array.shape), encode_tensor(array, kind, name)))
    header = safetensors_header([(name, kind, shape) for name, kind, shape, _ in encoded], metadata)
    temporary = _temporary_path(path)
    try:
        with open(temporary, "wb") as file:
            file.write(header)
            for *_, data in encoded:
                file.write(data)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def write_capture(base: str, sidecar: Mapping[str, Any], tensors: Mapping[str, np.ndarray], dtype: str = "BF16") -> tuple[str, str]:
    """Write ``base.safetensors`` and ``base.json`` and return their paths.

    Checks first that every tensor the sidecar implies is present with its shape. The
    sidecar is written after the tensors, both through temporary files.
    """
    problems = capture_problems(sidecar, {name: tuple(np.asarray(value).shape) for name, value in tensors.items()})
    if problems:
        raise ValueError("write_capture(): the tensors do not match the sidecar:\n  - " + "\n  - ".join(problems))
    for suffix in (".safetensors", ".json"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    tensor_path, sidecar_path = f"{base}.safetensors", f"{base}.json"
    write_safetensors(tensor_path, tensors, dtype, {"format": FORMAT})
    temporary = _temporary_path(sidecar_path)
    with open(temporary, "w", encoding="utf-8") as file:
        json.dump(sidecar, file, indent=2)
        file.write("\n")
    os.replace(temporary, sidecar_path)
    return tensor_path, sidecar_path


def capture_problems(sidecar: Mapping[str, Any], shapes: Mapping[str, tuple[int, ...]]) -> list[str]:
    """List every tensor that is missing or has a shape other than the sidecar implies."""
    model = sidecar["model"]
    heads, kv_heads, head_dim, hidden = model["queryHeads"], model["kvHeads"], model["headDim"], model["hidden"]
    seq_len, window = sidecar["seqLen"], sidecar["window"]
    problems = []
    for layer in sidecar["layers"]:
        expected = {
            f"L{layer}.k": (kv_heads, seq_len, head_dim),
            f"L{layer}.v": (kv_heads, seq_len, head_dim),
            f"L{layer}.q_win": (heads, window, head_dim),
        }
        if f"L{layer}.h" in shapes:
            expected[f"L{layer}.h"] = (seq_len, hidden)
        else:
            expected[f"L{layer}.h_norm"] = (seq_len,)
        for name, shape in expected.items():
            if name not in shapes:
                problems.append(f"{name} is missing; expected shape {list(shape)}")
            elif tuple(shapes[name]) != shape:
                problems.append(f"{name} has shape {list(shapes[name])}; expected {list(shape)}")
        evaluation = shapes.get(f"L{layer}.q_eval")
        if evaluation is not None and (len(evaluation) != 3 or evaluation[0] != heads or evaluation[2] != head_dim or evaluation[1] < 1):
            problems.append(f"L{layer}.q_eval has shape {list(evaluation)}; expected [{heads}, n >= 1, {head_dim}]")
    return problems


# --------------------------------------------------------------------------------------
# recording attention inputs during a forward pass
# --------------------------------------------------------------------------------------


def head_dim_of(attention: nn.Module) -> int:
    """Return the channels per head of an attention module."""
    value = getattr(attention, "head_dim", None)
    if value is None:
        config = getattr(attention, "config", None)
        value = getattr(config, "head_dim", None) if config is not None else None
    if value is None:
        raise AttributeError(f"{type(attention).__name__} has no head_dim attribute or config.head_dim; pass a module of a Qwen2-style model")
    return int(value)


def mrope_section_of(attention: nn.Module) -> list[int]:
    """Return the multimodal RoPE channel split (``mrope_section``) of an attention module."""
    candidates = [getattr(attention, "rope_scaling", None)]
    config = getattr(attention, "config", None)
    if config is not None:
        candidates += [getattr(config, "rope_scaling", None), getattr(config, "rope_parameters", None)]
    for candidate in candidates:
        if isinstance(candidate, Mapping) and "mrope_section" in candidate:
            return list(candidate["mrope_section"])
    raise AttributeError(f"{type(attention).__name__} gets 4-D (multimodal) rotary tables but has no rope_scaling['mrope_section']")


def model_rotary(attention: nn.Module, query: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Apply the rotary function of the module that defines ``attention`` to ``query``.

    ``query`` is ``[batch, heads, tokens, headDim]``. A 4-D ``cos`` (``[3, batch, tokens,
    headDim]``, Qwen2-VL and Qwen2.5-VL) goes through that module's
    ``apply_multimodal_rotary_pos_emb`` with the attention's ``mrope_section``; a 3-D one
    through its ``apply_rotary_pos_emb``. Using the model's own function keeps the queries
    exactly as the model rotates them.
    """
    namespace = sys.modules[type(attention).__module__]
    if cos.dim() == 4:
        function = getattr(namespace, "apply_multimodal_rotary_pos_emb", None)
        if function is None:
            raise AttributeError(f"{namespace.__name__} defines no apply_multimodal_rotary_pos_emb; pass rotary= to AttentionRecorder")
        rotated, _ = function(query, query, cos, sin, mrope_section_of(attention))
        return rotated
    function = getattr(namespace, "apply_rotary_pos_emb", None)
    if function is None:
        raise AttributeError(f"{namespace.__name__} defines no apply_rotary_pos_emb; pass rotary= to AttentionRecorder")
    rotated, _ = function(query, query, cos, sin)
    return rotated


@dataclass
class LayerRecord:
    """Recorded inputs of one attention layer: the prompt's hidden-state norms, window queries and later queries."""

    seq_len: int = 0
    norms: torch.Tensor | None = None
    hidden: torch.Tensor | None = None
    queries: torch.Tensor | None = None
    eval_queries: list[torch.Tensor] = field(default_factory=list)

    @property
    def eval_count(self) -> int:
        return sum(int(q.shape[1]) for q in self.eval_queries)


def _supports_kwargs_pre_hooks() -> bool:
    return "with_kwargs" in inspect.signature(nn.Module.register_forward_pre_hook).parameters


class AttentionRecorder:
    """Record the inputs of chosen attention modules during one prefill and later decode steps.

    Use it as a context manager around the model call. On the first call of each module
    (the prefill) it stores the L2 norm of every token's attention input, optionally the
    inputs themselves, and the queries ``q = rotary(q_proj(h))`` of the last ``window``
    tokens. On later calls (decode steps) it stores the queries of the new tokens until
    ``eval_queries`` are collected.

    With torch >= 2.0 it registers forward pre-hooks with keyword arguments, because
    transformers passes ``hidden_states`` and ``position_embeddings`` by keyword. Older
    torch cannot show keyword arguments to hooks, so there it wraps each module's
    ``forward`` for the duration of the block and restores it afterwards.

    ``rotary(module, query, cos, sin)`` replaces ``model_rotary`` for models whose
    attention module does not sit next to the standard rotary functions.
    """

    def __init__(self, attentions: Mapping[int, nn.Module], window: int, eval_queries: int = 0, full_hidden: bool = False, rotary: Callable[[nn.Module, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor] | None = None) -> None:
        if window < 1:
            raise ValueError(f"AttentionRecorder(): window is {window}; expected a positive number of tokens")
        if eval_queries < 0:
            raise ValueError(f"AttentionRecorder(): eval_queries is {eval_queries}; expected 0 or more")
        if not attentions:
            raise ValueError("AttentionRecorder(): no attention modules to record; pass {layer index: module}")
        self.attentions = dict(attentions)
        self.window = window
        self.eval_queries = eval_queries
        self.full_hidden = full_hidden
        self.rotary = rotary or model_rotary
        self.records: dict[int, LayerRecord] = {layer: LayerRecord() for layer in self.attentions}
        self._undo: list[Callable[[], None]] = []

    def __enter__(self) -> "AttentionRecorder":
        with_kwargs = _supports_kwargs_pre_hooks()
        for layer, module in self.attentions.items():
            if with_kwargs:
                handle = module.register_forward_pre_hook(self._make_hook(layer), with_kwargs=True)
                self._undo.append(handle.remove)
            else:
                self._wrap_forward(layer, module)
        return self

    def __exit__(self, *exc_info: object) -> None:
        while self._undo:
            self._undo.pop()()

    def _make_hook(self, layer: int) -> Callable[..., None]:
        def hook(module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
            self.observe(layer, module, args, kwargs)

        return hook

    def _wrap_forward(self, layer: int, module: nn.Module) -> None:
        # An instance attribute named forward (for example from accelerate's device hooks)
        # must be restored as it was; otherwise deleting ours brings back the class method.
        previous = module.__dict__.get("forward")
        original = module.forward

        def forward(*args: Any, **kwargs: Any) -> Any:
            self.observe(layer, module, args, kwargs)
            return original(*args, **kwargs)

        module.forward = forward

        def undo() -> None:
            if previous is None:
                del module.forward
            else:
                module.forward = previous

        self._undo.append(undo)

    @torch.no_grad()
    def observe(self, layer: int, module: nn.Module, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
        """Record one call of the attention module of ``layer``."""
        hidden = kwargs.get("hidden_states", args[0] if args else None)
        embeddings = kwargs.get("position_embeddings")
        if hidden is None or embeddings is None:
            raise RuntimeError(
                f"layer {layer}: the attention call has no hidden_states or no position_embeddings=(cos, sin) argument; "
                "the recorder needs an attention module that receives both, as transformers' Qwen2 and Qwen2.5-VL attention does"
            )
        if hidden.dim() != 3 or hidden.shape[0] != 1:
            raise ValueError(f"layer {layer}: hidden_states has shape {list(hidden.shape)}; the exporter handles one prompt at a time ([1, tokens, hidden])")
        cos, sin = embeddings
        record = self.records[layer]
        tokens = int(hidden.shape[1])
        if record.norms is None:
            if tokens < self.window:
                raise ValueError(f"layer {layer}: the prompt has {tokens} tokens, fewer than the window {self.window}")
            record.seq_len = tokens
            record.norms = hidden[0].float().norm(dim=-1).cpu()
            if self.full_hidden:
                record.hidden = hidden[0].float().cpu()
            w = self.window
            record.queries = self.queries(module, hidden[:, -w:], cos[..., -w:, :], sin[..., -w:, :])
        elif record.eval_count < self.eval_queries:
            queries = self.queries(module, hidden, cos, sin)
            record.eval_queries.append(queries[:, : self.eval_queries - record.eval_count])

    def queries(self, module: nn.Module, hidden: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        """Return ``[heads, tokens, headDim]`` float32 queries of ``hidden`` after RoPE."""
        head_dim = head_dim_of(module)
        projected = module.q_proj(hidden)
        query = projected.view(1, hidden.shape[1], -1, head_dim).transpose(1, 2)
        return self.rotary(module, query, cos, sin)[0].float().cpu()


# --------------------------------------------------------------------------------------
# assembling the capture
# --------------------------------------------------------------------------------------


def cache_layer(cache: Any, layer: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(keys, values)`` ``[batch, kvHeads, tokens, headDim]`` of one layer of a KV cache.

    Accepts transformers' ``DynamicCache`` (``layers[l].keys`` since 4.56, ``key_cache[l]``
    before) and the legacy tuple of ``(keys, values)`` pairs.
    """
    layers = getattr(cache, "layers", None)
    if layers is not None and len(layers) > layer and hasattr(layers[layer], "keys"):
        return layers[layer].keys, layers[layer].values
    if hasattr(cache, "key_cache"):
        return cache.key_cache[layer], cache.value_cache[layer]
    if isinstance(cache, (tuple, list)):
        keys, values = cache[layer][0], cache[layer][1]
        return keys, values
    raise TypeError(f"cache_layer(): cannot read layer {layer} from a {type(cache).__name__}; expected a DynamicCache or a tuple of (keys, values)")


def image_spans(input_ids: Sequence[int], grid_thw: Sequence[Sequence[int]], image_token_id: int, merge_size: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Return ``((start, end), (rows, cols))`` of every image, in prompt order.

    ``grid_thw`` rows are the ``(t, h, w)`` patch grids of ``image_grid_thw``, with
    ``t = 1`` for a still image. Image ``i`` has ``h · w / merge_size²`` image tokens,
    taken in order from the positions of ``image_token_id``, so two images whose runs
    touch are still separated; its merged grid is ``(h / merge_size, w / merge_size)``.
    """
    positions = [i for i, token in enumerate(input_ids) if int(token) == image_token_id]
    result = []
    used = 0
    for index, (t, h, w) in enumerate(grid_thw):
        if t != 1:
            raise ValueError(f"image {index} has {t} temporal patches; captures describe still screenshots (t = 1)")
        if h % merge_size or w % merge_size:
            raise ValueError(f"image {index}: patch grid {h}x{w} is not a multiple of the merge size {merge_size}")
        rows, cols = h // merge_size, w // merge_size
        count = rows * cols
        run = positions[used : used + count]
        if len(run) < count:
            raise ValueError(f"image {index} needs {count} image tokens ({rows}x{cols}) but only {len(positions) - used} are left in the prompt")
        start, end = run[0], run[-1] + 1
        if end - start != count:
            raise ValueError(f"image {index}: its {count} image tokens are not contiguous (positions {start} to {end - 1})")
        result.append(((start, end), (rows, cols)))
        used += count
    if used != len(positions):
        raise ValueError(f"the prompt has {len(positions)} image tokens but image_grid_thw accounts for {used}; check image_token_id")
    return result


def build_capture(
    recorder: AttentionRecorder,
    cache: Any,
    input_ids: Sequence[int],
    grid_thw: Sequence[Sequence[int]],
    model: Mapping[str, Any],
    *,
    image_token_id: int,
    merge_size: int = 2,
    sizes: Sequence[Sequence[int]] | None = None,
    targets: Sequence[Sequence[Sequence[float]]] | None = None,
    steps: Sequence[int] | None = None,
    cache_index: Mapping[int, int] | None = None,
) -> tuple[dict[str, Any], "OrderedDict[str, np.ndarray]"]:
    """Assemble the sidecar and the tensors of a capture after the recorded run.

    ``model`` has the sidecar's model fields (``name``, ``layers``, ``queryHeads``,
    ``kvHeads``, ``headDim``, ``hidden``, ``rope``). ``sizes`` are the original screenshot
    sizes ``[width, height]``, ``targets`` per image lists of ``[x, y, width, height]``
    boxes in original pixels, ``steps`` the agent step of each image (its index by
    default). ``cache_index`` maps a decoder layer to its index in ``cache`` when the two
    differ.
    """
    seq_len = len(input_ids)
    spans = image_spans(input_ids, grid_thw, image_token_id, merge_size)
    images = []
    for index, ((start, end), (rows, cols)) in enumerate(spans):
        image: dict[str, Any] = {"step": int(steps[index]) if steps is not None else index, "span": [start, end], "grid": [rows, cols]}
        if sizes is not None:
            image["size"] = [int(sizes[index][0]), int(sizes[index][1])]
        factor = 14 * merge_size
        image["resized"] = [cols * factor, rows * factor]
        if targets is not None and index < len(targets) and targets[index]:
            image["targets"] = [[float(x) for x in box] for box in targets[index]]
        images.append(image)

    tensors: OrderedDict[str, np.ndarray] = OrderedDict()
    for layer in sorted(recorder.records):
        record = recorder.records[layer]
        if record.norms is None or record.queries is None:
            raise RuntimeError(f"layer {layer} was never called; run the model inside the recorder's with-block")
        if record.seq_len != seq_len:
            raise ValueError(f"layer {layer} saw a prompt of {record.seq_len} tokens but input_ids has {seq_len}")
        keys, values = cache_layer(cache, (cache_index or {}).get(layer, layer))
        tensors[f"L{layer}.k"] = keys[0, :, :seq_len].float().cpu().numpy()
        tensors[f"L{layer}.v"] = values[0, :, :seq_len].float().cpu().numpy()
        tensors[f"L{layer}.q_win"] = record.queries.numpy()
        if record.hidden is not None:
            tensors[f"L{layer}.h"] = record.hidden.numpy()
        else:
            tensors[f"L{layer}.h_norm"] = record.norms.numpy()
        if recorder.eval_queries > 0:
            if record.eval_count < recorder.eval_queries:
                raise RuntimeError(f"layer {layer}: recorded {record.eval_count} of {recorder.eval_queries} eval queries; run that many decode steps after the prefill")
            tensors[f"L{layer}.q_eval"] = torch.cat(record.eval_queries, dim=1).numpy()

    sidecar = {
        "format": FORMAT,
        "model": dict(model),
        "layers": sorted(recorder.records),
        "window": recorder.window,
        "seqLen": seq_len,
        "images": images,
    }
    return sidecar, tensors


def find_attention_modules(model: nn.Module) -> list[nn.Module]:
    """Return the language model's attention modules in layer order.

    They are the modules with ``q_proj``, ``k_proj`` and ``v_proj`` children (the vision
    tower of Qwen2.5-VL uses one fused ``qkv`` and is skipped), ordered by their
    ``layer_idx`` when they have one.
    """
    found = [module for _, module in model.named_modules() if all(hasattr(module, name) for name in ("q_proj", "k_proj", "v_proj"))]
    if not found:
        raise ValueError(f"{type(model).__name__} has no attention module with q_proj, k_proj and v_proj")
    if all(getattr(module, "layer_idx", None) is not None for module in found):
        found.sort(key=lambda module: module.layer_idx)
    return found


def text_config(config: Any) -> Any:
    """Return the language-model part of a multimodal config (the config itself otherwise)."""
    return getattr(config, "text_config", None) or getattr(config, "llm_config", None) or config


def model_fields(config: Any, name: str) -> dict[str, Any]:
    """Return the sidecar's model fields from a transformers config."""
    text = text_config(config)
    heads = int(text.num_attention_heads)
    hidden = int(text.hidden_size)
    head_dim = int(getattr(text, "head_dim", None) or hidden // heads)
    rope_settings = getattr(text, "rope_scaling", None) or getattr(text, "rope_parameters", None) or {}
    return {
        "name": name,
        "layers": int(text.num_hidden_layers),
        "queryHeads": heads,
        "kvHeads": int(getattr(text, "num_key_value_heads", None) or heads),
        "headDim": head_dim,
        "hidden": hidden,
        "rope": "mrope" if isinstance(rope_settings, Mapping) and "mrope_section" in rope_settings else "rope",
    }


def parse_layers(text: str, total: int) -> list[int]:
    """Parse ``"0,7,14,27"``, ``"all"`` or ``""`` (four evenly spaced layers) into sorted indices."""
    if text == "all":
        return list(range(total))
    if not text:
        return sorted({round(i * (total - 1) / 3) for i in range(4)})
    try:
        layers = sorted({int(part) for part in text.split(",")})
    except ValueError:
        raise ValueError(f"--layers is {text!r}; expected comma-separated layer indices such as 0,7,14,27") from None
    bad = [layer for layer in layers if not 0 <= layer < total]
    if bad:
        raise ValueError(f"--layers lists {bad}, but the model has layers 0 to {total - 1}")
    return layers


# --------------------------------------------------------------------------------------
# transformers glue and the command line
# --------------------------------------------------------------------------------------


def run_and_capture(
    model: nn.Module,
    generate_inputs: Mapping[str, Any],
    input_ids: Sequence[int],
    grid_thw: Sequence[Sequence[int]],
    fields: Mapping[str, Any],
    layers: Iterable[int],
    *,
    window: int,
    eval_queries: int,
    full_hidden: bool,
    image_token_id: int,
    merge_size: int,
    sizes: Sequence[Sequence[int]] | None,
    targets: Sequence[Sequence[Sequence[float]]] | None,
) -> tuple[dict[str, Any], "OrderedDict[str, np.ndarray]"]:
    """Run ``model.generate`` once under an ``AttentionRecorder`` and build the capture.

    The prefill is the first forward call. With ``eval_queries = N`` the model then
    generates ``N + 1`` tokens greedily, because the first ``N`` of them pass through the
    model again as decode steps, whose queries are recorded. Without eval queries it
    generates one token and stops.
    """
    # NOTE: this function needs transformers and a real checkpoint; the tests here only
    # run the model-independent parts it calls (AttentionRecorder, build_capture).
    attentions = find_attention_modules(model)
    chosen = {layer: attentions[layer] for layer in layers}
    new_tokens = eval_queries + 1 if eval_queries > 0 else 1
    with AttentionRecorder(chosen, window, eval_queries, full_hidden) as recorder, torch.no_grad():
        output = model.generate(
            **generate_inputs,
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            do_sample=False,
            use_cache=True,
            return_dict_in_generate=True,
        )
    return build_capture(recorder, output.past_key_values, input_ids, grid_thw, fields, image_token_id=image_token_id, merge_size=merge_size, sizes=sizes, targets=targets)


def _load_images(paths: Sequence[str]) -> list[Any]:
    from PIL import Image

    return [Image.open(path).convert("RGB") for path in paths]


def _set_pixel_limits(image_processor: Any, min_pixels: int | None, max_pixels: int | None) -> None:
    # Older image processors read min_pixels/max_pixels, newer ones size["shortest_edge"/"longest_edge"].
    size = getattr(image_processor, "size", None)
    if max_pixels is not None:
        if hasattr(image_processor, "max_pixels"):
            image_processor.max_pixels = max_pixels
        if isinstance(size, dict) and "longest_edge" in size:
            size["longest_edge"] = max_pixels
    if min_pixels is not None:
        if hasattr(image_processor, "min_pixels"):
            image_processor.min_pixels = min_pixels
        if isinstance(size, dict) and "shortest_edge" in size:
            size["shortest_edge"] = min_pixels


def prepare_qwen(path: str, images: list[Any], prompt: str, args: argparse.Namespace) -> tuple[nn.Module, dict[str, Any], list[int], list[list[int]], int, int]:
    """Load a Qwen2.5-VL-family model (UI-TARS-1.5, Qwen2.5-VL) and its inputs."""
    from transformers import AutoProcessor, Qwen2_5_VLForConditionalGeneration

    model = Qwen2_5_VLForConditionalGeneration.from_pretrained(path, torch_dtype=torch.bfloat16, attn_implementation=args.attention, device_map=args.device)
    processor = AutoProcessor.from_pretrained(path)
    _set_pixel_limits(processor.image_processor, args.min_pixels, args.max_pixels)
    content = [{"type": "image", "image": image} for image in images] + [{"type": "text", "text": prompt}]
    text = processor.apply_chat_template([{"role": "user", "content": content}], tokenize=False, add_generation_prompt=True)
    inputs = processor(text=[text], images=images, return_tensors="pt").to(model.device)
    token_id = args.image_token_id or getattr(model.config, "image_token_id", None) or QWEN_IMAGE_TOKEN_ID
    merge = int(getattr(processor.image_processor, "merge_size", 2))
    return model, dict(inputs), inputs["input_ids"][0].tolist(), inputs["image_grid_thw"].tolist(), int(token_id), merge


def prepare_opencua(path: str, images: list[Any], prompt: str, args: argparse.Namespace) -> tuple[nn.Module, dict[str, Any], list[int], list[list[int]], int, int]:
    """Load OpenCUA (a Qwen2.5-VL vision tower with a 1-D RoPE Qwen2 decoder) through its remote code."""
    # NOTE: untested input preparation (AutoTokenizer chat template, AutoImageProcessor,
    # generate(input_ids, pixel_values=, grid_thws=)); pass --image-token-id when the
    # config names its image placeholder differently.
    from transformers import AutoImageProcessor, AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(path, torch_dtype=torch.bfloat16, device_map=args.device, trust_remote_code=True)
    tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=True)
    image_processor = AutoImageProcessor.from_pretrained(path, trust_remote_code=True)
    _set_pixel_limits(image_processor, args.min_pixels, args.max_pixels)
    content = [{"type": "image"} for _ in images] + [{"type": "text", "text": prompt}]
    input_ids = tokenizer.apply_chat_template([{"role": "user", "content": content}], tokenize=True, add_generation_prompt=True)
    info = image_processor.preprocess(images=images)
    pixel_values = torch.as_tensor(np.asarray(info["pixel_values"])).to(dtype=torch.bfloat16, device=model.device)
    grid = torch.as_tensor(np.asarray(info["image_grid_thw"]))
    ids = torch.tensor([input_ids], device=model.device)
    token_id = args.image_token_id or getattr(model.config, "media_placeholder_token_id", None) or getattr(model.config, "image_token_id", None)
    if token_id is None:
        raise ValueError("cannot find the image token id in the OpenCUA config; pass --image-token-id")
    merge = int(getattr(image_processor, "merge_size", 2))
    return model, {"input_ids": ids, "pixel_values": pixel_values, "grid_thws": grid}, list(input_ids), grid.tolist(), int(token_id), merge


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Run one prefill of a GUI-agent VLM on screenshots and save a starkv-capture/1 capture (NAME.safetensors + NAME.json).",
    )
    parser.add_argument("--model", required=True, help="checkpoint folder or Hugging Face id")
    parser.add_argument("--kind", choices=["qwen2_5_vl", "opencua"], default="qwen2_5_vl", help="model family: qwen2_5_vl (UI-TARS-1.5, Qwen2.5-VL) or opencua")
    parser.add_argument("--image", action="append", required=True, help="screenshot file, oldest first; repeat for several")
    parser.add_argument("--prompt", required=True, help="instruction text placed after the screenshots")
    parser.add_argument("--out", required=True, help="output path NAME (writes NAME.safetensors and NAME.json)")
    parser.add_argument("--layers", default="", help="comma-separated decoder layers, 'all', or empty for four evenly spaced layers")
    parser.add_argument("--window", type=int, default=8, help="observation window: queries of this many last prompt tokens (default 8)")
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="bf16", help="stored element type (default bf16, lossless for a bf16 model)")
    parser.add_argument("--eval-queries", type=int, default=0, help="also save queries of the first N generated tokens as L{l}.q_eval")
    parser.add_argument("--full-hidden", action="store_true", help="save the attention input [T, hidden] as L{l}.h instead of its norms")
    parser.add_argument("--max-pixels", type=int, default=None, help="image processor max_pixels (UI-TARS v1 used 2116800)")
    parser.add_argument("--min-pixels", type=int, default=None, help="image processor min_pixels")
    parser.add_argument("--targets", default=None, help="JSON file: per screenshot a list of [x, y, width, height] boxes in original pixels")
    parser.add_argument("--name", default=None, help="model name for the sidecar (default: the checkpoint folder name)")
    parser.add_argument("--image-token-id", type=int, default=None, help="image placeholder token id when the config does not name it")
    parser.add_argument("--device", default="auto", help="device_map for from_pretrained (default auto)")
    parser.add_argument("--attention", default="sdpa", help="attn_implementation: sdpa or flash_attention_2 (eager needs memory quadratic in the prompt)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.window < 1:
        parser.error(f"--window is {args.window}; expected at least 1 token")
    if args.eval_queries < 0:
        parser.error(f"--eval-queries is {args.eval_queries}; expected 0 or more")
    targets = None
    if args.targets:
        with open(args.targets, encoding="utf-8") as file:
            targets = json.load(file)
        if not isinstance(targets, list) or len(targets) != len(args.image):
            parser.error(f"--targets {args.targets} must contain one list of [x, y, width, height] boxes per --image ({len(args.image)})")

    images = _load_images(args.image)
    prepare = prepare_qwen if args.kind == "qwen2_5_vl" else prepare_opencua
    model, generate_inputs, input_ids, grid_thw, token_id, merge = prepare(args.model, images, args.prompt, args)
    name = args.name or os.path.basename(os.path.normpath(args.model))
    fields = model_fields(model.config, name)
    layers = parse_layers(args.layers, fields["layers"])

    sidecar, tensors = run_and_capture(
        model,
        generate_inputs,
        input_ids,
        grid_thw,
        fields,
        layers,
        window=args.window,
        eval_queries=args.eval_queries,
        full_hidden=args.full_hidden,
        image_token_id=token_id,
        merge_size=merge,
        sizes=[image.size for image in images],
        targets=targets,
    )
    tensor_path, sidecar_path = write_capture(args.out, sidecar, tensors, DTYPES[args.dtype])
    size = os.path.getsize(tensor_path)
    print(f"wrote {tensor_path} ({size / 1e6:.1f} MB, {len(tensors)} tensors, {sidecar['seqLen']} tokens) and {sidecar_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
