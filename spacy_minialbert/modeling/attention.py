"""Multi-head self-attention with a fused fast path and an explicit path for attention maps."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import EncoderConfig


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
        query = self._split_heads(self.query(hidden))
        key = self._split_heads(self.key(hidden))
        value = self._split_heads(self.value(hidden))
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
        return self.output(context), probabilities
