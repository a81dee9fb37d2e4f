"""The one transformer layer that MiniALBERT applies at every recursion: multi-head
self-attention (with a fused fast path and an explicit path for attention maps), the
feed-forward block, and the per-recursion adapters around them."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import EncoderConfig
from .fastpath import fuse_linears, linear, signature


def activation_module(name: str) -> nn.Module:
    """The activation called ``name`` in checkpoint configs.

    ``gelu`` is the exact (erf) GELU; ``gelu_new``, ``gelu_pytorch_tanh`` and ``gelu_fast`` are the
    tanh approximation used by ALBERT v2 and GPT-2, which agree with each other to float rounding.
    """
    if name == "gelu":
        return nn.GELU()
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        return nn.GELU(approximate="tanh")
    if name == "relu":
        return nn.ReLU()
    if name in ("silu", "swish"):
        return nn.SiLU()
    raise ValueError(f"Unknown activation '{name}'.")


class BottleneckAdapter(nn.Module):
    """``LayerNorm(up(GELU(down(x))) + x)``: the per-recursion adapter of MiniALBERT.

    Each recursion of the shared layer has its own adapters, so recursions can specialise while
    the attention and feed-forward weights stay shared (Nouriborji et al., 2023,
    https://aclanthology.org/2023.eacl-main.76). Adapters have no dropout; the GELU is exact.
    """

    def __init__(self, hidden_width: int, bottleneck_width: int, layer_norm_eps: float) -> None:
        super().__init__()
        self.down = nn.Linear(hidden_width, bottleneck_width)
        self.activation = nn.GELU()
        self.up = nn.Linear(bottleneck_width, hidden_width)
        self.norm = nn.LayerNorm(hidden_width, eps=layer_norm_eps)

    def forward(self, hidden: Tensor) -> Tensor:
        """*Shape:* ``hidden`` ``[batch, seq, hidden_width]``, returned the same."""
        return self.norm(self.up(self.activation(self.down(hidden))) + hidden)


def adapter_stack(config: EncoderConfig) -> nn.ModuleList:
    """One adapter per recursion, or identities when the model has none (ALBERT)."""
    width = config.adapter_width
    return nn.ModuleList(
        nn.Identity()
        if width is None
        else BottleneckAdapter(config.hidden_width, width, config.layer_norm_eps)
        for _ in range(config.n_recursions)
    )


def attention_bias(attention_mask: Tensor | None, dtype: torch.dtype) -> Tensor | None:
    """Additive key mask ``(1 - mask) * finfo.min``, or ``None`` when nothing is masked.

    Only keys are masked, as in the reference: padded query rows still get deterministic
    outputs. Returning ``None`` for unpadded batches lets the fused kernel skip the mask.

    *Shape:* ``attention_mask`` ``[batch, seq]`` (1 = real token); returns
    ``[batch, 1, 1, seq]``.
    """
    if attention_mask is None or bool(attention_mask.all()):
        return None
    keep = attention_mask[:, None, None, :].to(dtype)
    return (1.0 - keep) * torch.finfo(dtype).min


class SelfAttention(nn.Module):
    """Scaled dot-product self-attention (https://arxiv.org/abs/1706.03762).

    Without ``return_probabilities`` it calls PyTorch's fused
    ``scaled_dot_product_attention``, which never materialises the ``[seq, seq]`` maps on the
    kernels that support it. With it, the softmax probabilities are computed explicitly and
    returned, as the reference does for distillation and inspection.

    When no gradient is being recorded (inference), the query, key and value projections run
    as one matrix product against a cached concatenation of their weights (see
    :mod:`.fastpath`): one wide GEMM is faster on CPU than three narrow ones. The cache is
    rebuilt whenever a weight changes, and the state dict keeps the three projections.
    """

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        width = config.hidden_width
        self.n_heads = config.n_heads
        self.head_width = config.head_width
        self.dropout_prob = config.attention_dropout
        self.query = nn.Linear(width, width)
        self.key = nn.Linear(width, width)
        self.value = nn.Linear(width, width)
        self.output = nn.Linear(width, width)
        # (signature, fused projection); a plain tuple so it is neither a submodule nor state.
        self._fused_qkv: tuple[tuple[Any, ...], nn.Module | None] | None = None

    def fused_qkv(self) -> nn.Module | None:
        """The cached fused query/key/value projection for the current weights."""
        parts = (self.query, self.key, self.value)
        current = tuple(signature(module) for module in parts)
        if self._fused_qkv is None or self._fused_qkv[0] != current:
            with torch.no_grad():
                self._fused_qkv = (current, fuse_linears(parts))
        return self._fused_qkv[1]

    def project_qkv(self, hidden: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Queries, keys and values, split into heads.

        *Shape:* ``hidden`` ``[batch, seq, width]``; returns three
        ``[batch, heads, seq, head_width]``.
        """
        fused = None if torch.is_grad_enabled() else self.fused_qkv()
        if fused is None:
            return (
                self._split_heads(self.query(hidden)),
                self._split_heads(self.key(hidden)),
                self._split_heads(self.value(hidden)),
            )
        batch, seq, _ = hidden.shape
        projected = linear(fused, hidden).view(batch, seq, 3, self.n_heads, self.head_width)
        query, key, value = projected.permute(2, 0, 3, 1, 4).unbind(0)
        return query, key, value

    def _split_heads(self, x: Tensor) -> Tensor:
        batch, seq, _ = x.shape
        return x.view(batch, seq, self.n_heads, self.head_width).transpose(1, 2)

    def forward(
        self, hidden: Tensor, bias: Tensor | None, return_probabilities: bool = False
    ) -> tuple[Tensor, Tensor | None]:
        """Attend and project.

        *Shape:* ``hidden`` ``[batch, seq, width]``; ``bias`` ``[batch, 1, 1, seq]`` or ``None``.
        Returns the projected context ``[batch, seq, width]`` and, if asked, the probabilities
        ``[batch, heads, seq, seq]``.
        """
        query, key, value = self.project_qkv(hidden)
        dropout = self.dropout_prob if self.training else 0.0
        probabilities = None
        if return_probabilities:
            scores = query @ key.transpose(-1, -2) / math.sqrt(self.head_width)
            if bias is not None:
                scores = scores + bias
            probabilities = scores.softmax(dim=-1)
            context = F.dropout(probabilities, dropout, self.training) @ value
        else:
            context = F.scaled_dot_product_attention(
                query, key, value, attn_mask=bias, dropout_p=dropout
            )
        batch, _, seq, _ = context.shape
        context = context.transpose(1, 2).reshape(batch, seq, self.n_heads * self.head_width)
        return linear(self.output, context), probabilities


class FeedForward(nn.Module):
    """``output(activation(intermediate(x)))``, the position-wise feed-forward block."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.intermediate = nn.Linear(config.hidden_width, config.intermediate_width)
        self.activation = activation_module(config.activation)
        self.output = nn.Linear(config.intermediate_width, config.hidden_width)

    def forward(self, hidden: Tensor) -> Tensor:
        """*Shape:* ``[batch, seq, hidden_width]`` in and out."""
        # At inference the activation is fused into the first product (see .fastpath).
        return linear(self.output, linear(self.intermediate, hidden, self.activation))


class SharedLayer(nn.Module):
    """A post-LayerNorm transformer layer with adapter hooks before each sub-block.

    With identity adapters this is exactly a Hugging Face ``AlbertLayer``. The adapters are
    passed in per call because they belong to the recursion, not to the shared layer.
    """

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.attention = SelfAttention(config)
        self.attention_dropout = nn.Dropout(config.hidden_dropout)
        self.attention_norm = nn.LayerNorm(config.hidden_width, eps=config.layer_norm_eps)
        self.ffn = FeedForward(config)
        self.ffn_dropout = nn.Dropout(config.hidden_dropout)
        self.ffn_norm = nn.LayerNorm(config.hidden_width, eps=config.layer_norm_eps)

    def forward(
        self,
        hidden: Tensor,
        bias: Tensor | None,
        attention_adapter: nn.Module,
        ffn_adapter: nn.Module,
        return_probabilities: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """One recursion step.

        *Shape:* ``hidden`` ``[batch, seq, width]``; ``bias`` ``[batch, 1, 1, seq]`` or ``None``.
        Returns the new hidden states and, if asked, attention probabilities
        ``[batch, heads, seq, seq]``.
        """
        hidden = attention_adapter(hidden)
        attended, probabilities = self.attention(hidden, bias, return_probabilities)
        hidden = self.attention_norm(hidden + self.attention_dropout(attended))
        hidden = ffn_adapter(hidden)
        hidden = self.ffn_norm(hidden + self.ffn_dropout(self.ffn(hidden)))
        return hidden, probabilities
