"""The MiniALBERT encoder: factorised embeddings, one shared layer applied R times with
per-recursion adapters, and optional per-token halting.

Adaptive depth (ALBERT-ACT): Simoulin and Crabbé, "How Many Layers and Why? An Analysis of the
Model Depth in Transformers" (https://aclanthology.org/2021.acl-srw.23), after Graves' Adaptive
Computation Time (https://arxiv.org/abs/1603.08983). After each application of the shared layer
a sigmoid unit gives each running token a halting probability; a token halts once the
accumulated probability would exceed ``1 - epsilon``, and its state is the running convex
interpolation of the states it went through. Tokens that reach the last step without halting
keep their interpolated state and get no remainder (as in the reference, unlike Graves' forced
last step). Padding starts halted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from . import fastpath
from .config import EncoderConfig
from .layer import SharedLayer, adapter_stack, attention_bias


class FactorisedEmbeddings(nn.Module):
    """Word, position and token-type embeddings of width E, normalised, projected to width H.

    ALBERT's factorised embedding parameterisation (https://arxiv.org/abs/1909.11942, 3.1) keeps
    the vocabulary table small: V x E + E x H instead of V x H.
    """

    position_ids: Tensor

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        width = config.embedding_width
        self.word_embeddings = nn.Embedding(
            config.vocab_size, width, padding_idx=config.padding_idx
        )
        self.position_embeddings = nn.Embedding(config.n_positions, width)
        self.token_type_embeddings = nn.Embedding(config.n_types, width)
        self.layer_norm = nn.LayerNorm(width, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout)
        self.projection: nn.Module = (
            nn.Linear(width, config.hidden_width) if config.project_embeddings else nn.Identity()
        )
        # Positions are always 0..S-1; a buffer avoids allocating them on every call. Not
        # persistent: the published checkpoints carry it, but it holds no learned values.
        self.register_buffer(
            "position_ids", torch.arange(config.n_positions).unsqueeze(0), persistent=False
        )

    def forward(self, input_ids: Tensor, token_type_ids: Tensor | None = None) -> Tensor:
        """Embed and project.

        *Shape:* ``input_ids`` and ``token_type_ids`` ``[batch, seq]``; returns
        ``[batch, seq, hidden_width]``.
        """
        seq_len = input_ids.shape[1]
        if seq_len > self.position_embeddings.num_embeddings:
            raise ValueError(
                f"The input has {seq_len} positions, more than the model's maximum "
                f"({self.position_embeddings.num_embeddings})."
            )
        embeddings = self.word_embeddings(input_ids)
        embeddings = embeddings + self.position_embeddings(self.position_ids[:, :seq_len])
        if token_type_ids is None:
            # Type 0 everywhere: add the row instead of gathering a table of zeros.
            embeddings = embeddings + self.token_type_embeddings.weight[0]
        else:
            embeddings = embeddings + self.token_type_embeddings(token_type_ids)
        embeddings = self.dropout(self.layer_norm(embeddings))
        return self.projection(embeddings)


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


class HaltingUnit(nn.Module):
    """``sigmoid(w . h + b)``: the probability that a token stops after this step. A token halts
    once its accumulated probability would exceed ``threshold`` (``1 - epsilon``)."""

    def __init__(self, hidden_width: int, epsilon: float) -> None:
        super().__init__()
        self.dense = nn.Linear(hidden_width, 1)
        self.threshold = 1.0 - epsilon

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

    def step(self, p: Tensor, threshold: float) -> Tensor:
        """Update with halting probabilities ``p`` (``[batch, seq]``) for the running tokens;
        returns the interpolation weight ``w``."""
        crosses = self.probability + p > threshold
        still = (~crosses & self.running).to(p.dtype)
        halts_now = (crosses & self.running).to(p.dtype)
        self.probability = self.probability + p * still
        self.remainder = self.remainder + halts_now * (1.0 - self.probability)
        self.probability = self.probability + halts_now * self.remainder
        self.updates = self.updates + still + halts_now
        self.running = still.bool()
        return p * still + self.remainder * halts_now


class MiniAlbertEncoder(nn.Module):
    """MiniALBERT (Nouriborji et al., EACL 2023, https://aclanthology.org/2023.eacl-main.76).

    Cross-layer parameter sharing as in ALBERT (https://arxiv.org/abs/1909.11942): one
    ``SharedLayer`` is applied ``n_recursions`` times; recursion ``r`` passes its input through
    its own bottleneck adapters before the attention and feed-forward blocks. Without adapters
    this is an ALBERT encoder with one hidden group; with a halting unit it is ALBERT-ACT.
    """

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.config = config
        self.embeddings = FactorisedEmbeddings(config)
        self.layer = SharedLayer(config)
        self.attention_adapters = adapter_stack(config)
        self.ffn_adapters = adapter_stack(config)
        self.halting: HaltingUnit | None = (
            None
            if config.halting_epsilon is None
            else HaltingUnit(config.hidden_width, config.halting_epsilon)
        )

    def forward(
        self,
        input_ids: Tensor,
        attention_mask: Tensor | None = None,
        token_type_ids: Tensor | None = None,
        output_hidden_states: bool = False,
        output_attentions: bool = False,
    ) -> EncoderOutput:
        """Encode a batch.

        *Shape:* ``input_ids``, ``attention_mask`` (1 = real token, default all ones) and
        ``token_type_ids`` (default zeros) ``[batch, seq]``.

        With a halting unit, training (and any call asking for hidden states or attention maps)
        runs ACT over all tokens, halted ones frozen by a zero interpolation weight: the
        differentiable form, whose remainders carry the ponder cost's gradient. Inference
        computes only what running tokens need (:meth:`_forward_skipping`).
        """
        fastpath.begin_pass()
        hidden = self.embeddings(input_ids, token_type_ids)
        bias = attention_bias(attention_mask, hidden.dtype)
        halting = self.halting
        if halting is not None and not (
            self.training or hidden.requires_grad or output_hidden_states or output_attentions
        ):
            return self._forward_skipping(halting, hidden, bias, attention_mask)
        state = None if halting is None else HaltingState.start(attention_mask, hidden)
        all_hidden = [hidden] if output_hidden_states else []
        all_attentions = []
        for attention_adapter, ffn_adapter in zip(
            self.attention_adapters, self.ffn_adapters, strict=True
        ):
            if state is not None and not bool(state.running.any()):
                break
            candidate, probabilities = self.layer(
                hidden, bias, attention_adapter, ffn_adapter, output_attentions
            )
            if state is None or halting is None:
                hidden = candidate
            else:
                weight = state.step(halting(candidate), halting.threshold)
                hidden = weight.unsqueeze(-1) * candidate + (1.0 - weight.unsqueeze(-1)) * hidden
            if output_hidden_states:
                all_hidden.append(hidden)
            if probabilities is not None:
                all_attentions.append(probabilities)
        return EncoderOutput(
            last_hidden_state=hidden,
            hidden_states=tuple(all_hidden) if output_hidden_states else None,
            attentions=tuple(all_attentions) if output_attentions else None,
            updates=None if state is None else state.updates,
            remainders=None if state is None else state.remainder,
        )

    def _forward_skipping(
        self,
        halting: HaltingUnit,
        hidden: Tensor,
        bias: Tensor | None,
        attention_mask: Tensor | None,
    ) -> EncoderOutput:
        """ACT at inference, computing only what running tokens need.

        Halted tokens still serve as keys and values (their frozen states are attended to), so
        keys and values are projected for every token, but queries, the attention output, the
        feed-forward block and the halting unit run on running tokens only. Results equal the
        dense form up to float rounding; the saving grows with the share of halted tokens.
        """
        layer, attention = self.layer, self.layer.attention
        state = HaltingState.start(attention_mask, hidden)
        batch, seq, width = hidden.shape
        positions = torch.arange(seq, device=hidden.device)
        for attention_adapter, ffn_adapter in zip(
            self.attention_adapters, self.ffn_adapters, strict=True
        ):
            running = state.running
            n_running = running.sum(dim=1)
            widest = int(n_running.max())
            if widest == 0:
                break
            # Compact each sequence's running tokens to the front: [batch, widest] indices.
            order = torch.argsort((~running).to(torch.int8), dim=1, stable=True)[:, :widest]
            valid = positions[:widest].unsqueeze(0) < n_running.unsqueeze(1)
            adapted = attention_adapter(hidden)
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
            attended = ffn_adapter(attended)
            candidate = layer.ffn_norm(attended + layer.ffn(attended))
            batch_index = torch.arange(batch, device=hidden.device).unsqueeze(1).expand(-1, widest)
            flat = (batch_index[valid], order[valid])
            p = hidden.new_zeros(batch, seq)
            p[flat] = halting(candidate)
            weight = state.step(p, halting.threshold)[flat].unsqueeze(-1)
            hidden = hidden.clone()
            hidden[flat] = weight * candidate + (1.0 - weight) * hidden[flat]
        return EncoderOutput(hidden, updates=state.updates, remainders=state.remainder)

    def add_adapters(self, bottleneck_width: int) -> None:
        """Give every recursion fresh adapters (a model trained without them, e.g. ALBERT)."""
        if self.config.adapter_width is not None:
            raise ValueError("This encoder already has adapters.")
        self.config = dataclasses.replace(self.config, adapter_width=bottleneck_width)
        reference = next(self.parameters())
        self.attention_adapters = adapter_stack(self.config).to(reference.device, reference.dtype)
        self.ffn_adapters = adapter_stack(self.config).to(reference.device, reference.dtype)

    def adapter_parameters(self) -> list[nn.Parameter]:
        """The parameters adapter-only training updates."""
        return [*self.attention_adapters.parameters(), *self.ffn_adapters.parameters()]
