"""What the core encoder returns."""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor


@dataclass
class EncoderOutput:
    """Encoder results; the optional fields are ``None`` unless asked for or applicable.

    *Shape:* ``last_hidden_state`` ``[batch, seq, hidden]``; ``hidden_states`` ``n_recursions + 1``
    tensors like it (index 0: projected embeddings); ``attentions`` ``n_recursions`` tensors
    ``[batch, heads, seq, seq]``; ``updates`` (layer applications per token) and
    ``remainders`` (ACT remainder ``R``, differentiable) ``[batch, seq]``, with adaptive depth only.
    """

    last_hidden_state: Tensor
    hidden_states: tuple[Tensor, ...] | None = None
    attentions: tuple[Tensor, ...] | None = None
    updates: Tensor | None = None
    remainders: Tensor | None = None
