"""Bottleneck adapters, one pair per recursion of the shared layer."""

from __future__ import annotations

from torch import Tensor, nn


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


def adapter_stack(n: int, hidden_width: int, width: int | None, eps: float) -> nn.ModuleList:
    """``n`` adapters, or ``n`` identities when the model has none (ALBERT)."""
    if width is None:
        return nn.ModuleList(nn.Identity() for _ in range(n))
    return nn.ModuleList(BottleneckAdapter(hidden_width, width, eps) for _ in range(n))
