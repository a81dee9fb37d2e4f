"""Adaptive depth: per-token halting over the recursions of the shared layer (ALBERT-ACT).

Simoulin and Crabbé, "How Many Layers and Why? An Analysis of the Model Depth in Transformers"
(https://aclanthology.org/2021.acl-srw.23), after Graves' Adaptive Computation Time
(https://arxiv.org/abs/1603.08983). After each application of the shared layer a sigmoid unit
gives each running token a halting probability; a token halts once the accumulated probability
would exceed ``1 - epsilon``, and its state is the running convex interpolation of the states it
went through. Tokens that reach the last step without halting keep their interpolated state and
get no remainder (as in the reference, unlike Graves' forced last step). Padding starts halted.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from .layer import SharedLayer


class HaltingUnit(nn.Module):
    """``sigmoid(w . h + b)``: the probability that a token stops after this step."""

    def __init__(self, hidden_width: int) -> None:
        super().__init__()
        self.dense = nn.Linear(hidden_width, 1)

    def forward(self, hidden: Tensor) -> Tensor:
        """*Shape:* ``hidden`` ``[..., width]``; returns ``[...]``."""
        return torch.sigmoid(self.dense(hidden)).squeeze(-1)


@dataclass
class HaltingState:
    """Per-token accumulators; all ``[batch, seq]``."""

    probability: Tensor  # accumulated halting probability (hp)
    remainder: Tensor  # R, the part of the last step that completes hp to 1
    updates: Tensor  # N, layer applications so far
    running: Tensor  # bool

    @classmethod
    def start(cls, attention_mask: Tensor | None, like: Tensor) -> HaltingState:
        batch, seq = like.shape[:2]
        zeros = like.new_zeros(batch, seq)
        running = (
            torch.ones(batch, seq, dtype=torch.bool, device=like.device)
            if attention_mask is None
            else attention_mask.bool()
        )
        return cls(zeros, zeros.clone(), zeros.clone(), running)

    def step(self, p: Tensor, threshold: float, running: Tensor) -> Tensor:
        """Update with halting probabilities ``p`` for the tokens in ``running``.

        ``p`` and ``running`` are the values at the selected tokens, in whichever layout the
        caller uses (dense ``[batch, seq]`` here); returns the interpolation weight ``w``.
        """
        crosses = self.probability + p > threshold
        still = (~crosses & running).to(p.dtype)
        halts_now = (crosses & running).to(p.dtype)
        self.probability = self.probability + p * still
        self.remainder = self.remainder + halts_now * (1.0 - self.probability)
        self.probability = self.probability + halts_now * self.remainder
        self.updates = self.updates + still + halts_now
        self.running = still.bool()
        return p * still + self.remainder * halts_now


def adaptive_recursion_dense(
    layer: SharedLayer,
    attention_adapters: nn.ModuleList,
    ffn_adapters: nn.ModuleList,
    halting: HaltingUnit,
    hidden: Tensor,
    bias: Tensor | None,
    attention_mask: Tensor | None,
    threshold: float,
    output_hidden_states: bool,
    output_attentions: bool,
) -> tuple[Tensor, HaltingState, list[Tensor], list[Tensor]]:
    """ACT over all tokens, halted ones frozen by a zero interpolation weight.

    This is the differentiable form used in training (the remainders carry the ponder cost's
    gradient) and when attention maps are requested.
    """
    state = HaltingState.start(attention_mask, hidden)
    all_hidden = [hidden] if output_hidden_states else []
    all_attentions: list[Tensor] = []
    for step in range(len(attention_adapters)):
        if not bool(state.running.any()):
            break
        candidate, probabilities = layer(
            hidden, bias, attention_adapters[step], ffn_adapters[step], output_attentions
        )
        weight = state.step(halting(candidate), threshold, state.running)
        hidden = weight.unsqueeze(-1) * candidate + (1.0 - weight.unsqueeze(-1)) * hidden
        if output_hidden_states:
            all_hidden.append(hidden)
        if probabilities is not None:
            all_attentions.append(probabilities)
    return hidden, state, all_hidden, all_attentions


def adaptive_recursion_skipping(
    layer: SharedLayer,
    attention_adapters: nn.ModuleList,
    ffn_adapters: nn.ModuleList,
    halting: HaltingUnit,
    hidden: Tensor,
    bias: Tensor | None,
    attention_mask: Tensor | None,
    threshold: float,
) -> tuple[Tensor, HaltingState]:
    """ACT at inference, computing only what running tokens need.

    Halted tokens still serve as keys and values (their frozen states are attended to), so
    keys and values are projected for every token, but queries, the attention output, the
    feed-forward block and the halting unit run on running tokens only. Results equal the dense
    form up to float rounding; the saving grows with the share of halted tokens.
    """
    attention = layer.attention
    state = HaltingState.start(attention_mask, hidden)
    batch, seq, width = hidden.shape
    positions = torch.arange(seq, device=hidden.device)
    for step in range(len(attention_adapters)):
        running = state.running
        n_running = running.sum(dim=1)
        widest = int(n_running.max())
        if widest == 0:
            break
        # Compact each sequence's running tokens to the front: [batch, widest] indices.
        order = torch.argsort((~running).to(torch.int8), dim=1, stable=True)[:, :widest]
        valid = positions[:widest].unsqueeze(0) < n_running.unsqueeze(1)
        adapted = attention_adapters[step](hidden)
        key = attention._split_heads(attention.key(adapted))
        value = attention._split_heads(attention.value(adapted))
        queries_in = adapted.gather(1, order.unsqueeze(-1).expand(-1, -1, width))
        query = attention._split_heads(attention.query(queries_in))
        context = torch.nn.functional.scaled_dot_product_attention(
            query, key, value, attn_mask=bias
        )
        context = context.transpose(1, 2).reshape(batch, widest, width)
        # From here on everything is position-wise: work on the valid rows only.
        rows = queries_in[valid]
        attended = layer.attention_norm(rows + attention.output(context[valid]))
        attended = ffn_adapters[step](attended)
        candidate = layer.ffn_norm(attended + layer.ffn(attended))
        batch_index = torch.arange(batch, device=hidden.device).unsqueeze(1).expand(-1, widest)
        flat = (batch_index[valid], order[valid])
        p = hidden.new_zeros(batch, seq)
        p[flat] = halting(candidate)
        weight = state.step(p, threshold, running)[flat].unsqueeze(-1)
        hidden = hidden.clone()
        hidden[flat] = weight * candidate + (1.0 - weight) * hidden[flat]
    return hidden, state
