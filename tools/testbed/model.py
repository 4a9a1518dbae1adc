"""The testbed model: a miniature of Qwen2.5-VL's language side that points at screen patches.

Patches of 28 x 28 pixels are embedded by one linear map, text tokens by a table. A
decoder-only transformer with grouped-query attention, multimodal RoPE (time, row and
column positions, frequencies interleaved between the three), RMSNorm and SwiGLU reads
them. The answer token's final hidden state is projected to one query per KV head, rotated
at the answer position and scored against the last layer's cached keys of the patch
tokens: the answer is the patch with the highest score, and the click is that patch's
centre. packages/testbed/src/prefill.ts and decode.ts compute the same in TypeScript.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class Config:
    vocab: int
    d_model: int = 128
    layers: int = 4
    heads: int = 8
    kv_heads: int = 2
    head_dim: int = 32
    ffn: int = 384
    patch: int = 28
    rope_theta: float = 10000.0
    norm_eps: float = 1e-6

    def fields(self) -> dict[str, object]:
        return asdict(self)


def pixel_patches(screen: torch.Tensor, patch: int) -> torch.Tensor:
    """[H, W, 3] uint8 -> [rows * cols, patch * patch * 3] floats, row-major patches, each (y, x, channel)."""
    height, width, _ = screen.shape
    rows, cols = height // patch, width // patch
    grid = screen.reshape(rows, patch, cols, patch, 3).permute(0, 2, 1, 3, 4).reshape(rows * cols, patch * patch * 3)
    return (grid.float() / 255.0 - 0.5) / 0.25


def rope_angles(config: Config, positions: torch.Tensor) -> torch.Tensor:
    """positions [..., T, 3] (time, row, column) -> angles [..., T, head_dim / 2]; frequency i reads axis i mod 3."""
    half = config.head_dim // 2
    inv_freq = 1.0 / (config.rope_theta ** (torch.arange(0, half, dtype=torch.float64) * 2 / config.head_dim))
    axis = torch.arange(half) % 3
    chosen = positions[..., axis].to(torch.float64)
    return (chosen * inv_freq).to(torch.float32)


def rotate(x: torch.Tensor, angles: torch.Tensor) -> torch.Tensor:
    """x [..., T, head_dim] rotated by angles [..., T, head_dim / 2] (rotate-half layout)."""
    cos = torch.cat([angles.cos(), angles.cos()], dim=-1)
    sin = torch.cat([angles.sin(), angles.sin()], dim=-1)
    first, second = x.chunk(2, dim=-1)
    return x * cos + torch.cat([-second, first], dim=-1) * sin


class RMSNorm(nn.Module):
    def __init__(self, size: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Block(nn.Module):
    def __init__(self, config: Config) -> None:
        super().__init__()
        c = config
        self.config = c
        self.attention_norm = RMSNorm(c.d_model, c.norm_eps)
        self.q = nn.Linear(c.d_model, c.heads * c.head_dim)
        self.k = nn.Linear(c.d_model, c.kv_heads * c.head_dim)
        self.v = nn.Linear(c.d_model, c.kv_heads * c.head_dim)
        self.o = nn.Linear(c.heads * c.head_dim, c.d_model, bias=False)
        self.mlp_norm = RMSNorm(c.d_model, c.norm_eps)
        self.gate = nn.Linear(c.d_model, c.ffn, bias=False)
        self.up = nn.Linear(c.d_model, c.ffn, bias=False)
        self.down = nn.Linear(c.ffn, c.d_model, bias=False)

    def forward(self, x: torch.Tensor, angles: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """x [B, T, d]; angles [B, T, head_dim/2]; mask [B, T, T] additive. Returns x and this layer's tensors."""
        c = self.config
        batch, length, _ = x.shape
        hidden = self.attention_norm(x)
        q = rotate(self.q(hidden).view(batch, length, c.heads, c.head_dim).transpose(1, 2), angles[:, None])
        k = rotate(self.k(hidden).view(batch, length, c.kv_heads, c.head_dim).transpose(1, 2), angles[:, None])
        v = self.v(hidden).view(batch, length, c.kv_heads, c.head_dim).transpose(1, 2)
        group = c.heads // c.kv_heads
        scores = (q.view(batch, c.kv_heads, group, length, c.head_dim) @ k[:, :, None].transpose(-1, -2)) / math.sqrt(c.head_dim)
        weights = torch.softmax(scores + mask[:, None, None], dim=-1)
        out = (weights @ v[:, :, None]).reshape(batch, c.heads, length, c.head_dim).transpose(1, 2).reshape(batch, length, -1)
        x = x + self.o(out)
        mlp_in = self.mlp_norm(x)
        x = x + self.down(F.silu(self.gate(mlp_in)) * self.up(mlp_in))
        return x, {"hidden": hidden, "queries": q, "keys": k, "values": v}


class Testbed(nn.Module):
    def __init__(self, config: Config) -> None:
        super().__init__()
        c = config
        self.config = c
        self.embed = nn.Embedding(c.vocab, c.d_model)
        self.patch = nn.Linear(c.patch * c.patch * 3, c.d_model)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.layers))
        self.final_norm = RMSNorm(c.d_model, c.norm_eps)
        self.pointer = nn.Linear(c.d_model, c.kv_heads * c.head_dim, bias=False)
        nn.init.normal_(self.embed.weight, std=0.02)

    def forward(
        self,
        tokens: torch.Tensor,
        patches: torch.Tensor,
        is_patch: torch.Tensor,
        positions: torch.Tensor,
        mask: torch.Tensor,
        answers: torch.Tensor,
        keep_layers: bool = False,
    ) -> tuple[torch.Tensor, list[dict[str, torch.Tensor]]]:
        """Pointer scores of each answer token over every position.

        tokens [B, T] ids; patches [B, T, patch*patch*3] (zeros at text); is_patch [B, T] bool;
        positions [B, T, 3]; mask [B, T, T] additive (0 or -inf); answers [B, K] indices of the
        answer tokens. Returns scores [B, K, T] (patch positions only are meaningful) and, when
        keep_layers, each layer's hidden, queries, keys and values.
        """
        c = self.config
        x = torch.where(is_patch[..., None], self.patch(patches), self.embed(tokens))
        angles = rope_angles(c, positions)
        layers: list[dict[str, torch.Tensor]] = []
        keys = torch.empty(0)
        for block in self.blocks:
            x, tensors = block(x, angles, mask)
            keys = tensors["keys"]
            if keep_layers:
                layers.append(tensors)
        final = self.final_norm(x)
        batch, count = answers.shape
        index = answers[..., None].expand(batch, count, c.d_model)
        pointer = self.pointer(final.gather(1, index)).view(batch, count, c.kv_heads, c.head_dim).transpose(1, 2)
        answer_angles = angles.gather(1, answers[..., None].expand(batch, count, angles.shape[-1]))
        pointer = rotate(pointer, answer_angles[:, None])
        scores = (pointer @ keys.transpose(-1, -2)).sum(1) / math.sqrt(c.head_dim)
        return scores, layers
