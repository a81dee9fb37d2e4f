"""The MiniALBERT encoder: factorised embeddings, one shared layer applied R times with
per-recursion adapters, and optional per-token halting."""

from __future__ import annotations

import dataclasses

from torch import Tensor, nn

from . import fastpath
from .adapter import BottleneckAdapter, adapter_stack
from .attention import attention_bias
from .config import EncoderConfig
from .embeddings import FactorisedEmbeddings
from .halting import HaltingUnit, adaptive_recursion_dense, adaptive_recursion_skipping
from .layer import SharedLayer
from .outputs import EncoderOutput


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
        self.attention_adapters = adapter_stack(
            config.n_recursions, config.hidden_width, config.adapter_width, config.layer_norm_eps
        )
        self.ffn_adapters = adapter_stack(
            config.n_recursions, config.hidden_width, config.adapter_width, config.layer_norm_eps
        )
        self.halting: HaltingUnit | None = (
            HaltingUnit(config.hidden_width) if config.halting is not None else None
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
        """
        fastpath.begin_pass()
        hidden = self.embeddings(input_ids, token_type_ids)
        bias = attention_bias(attention_mask, hidden.dtype)
        if self.halting is not None:
            return self._forward_adaptive(
                hidden, bias, attention_mask, output_hidden_states, output_attentions
            )
        all_hidden = [hidden] if output_hidden_states else []
        all_attentions = []
        for attention_adapter, ffn_adapter in zip(
            self.attention_adapters, self.ffn_adapters, strict=True
        ):
            hidden, probabilities = self.layer(
                hidden, bias, attention_adapter, ffn_adapter, output_attentions
            )
            if output_hidden_states:
                all_hidden.append(hidden)
            if probabilities is not None:
                all_attentions.append(probabilities)
        return EncoderOutput(
            last_hidden_state=hidden,
            hidden_states=tuple(all_hidden) if output_hidden_states else None,
            attentions=tuple(all_attentions) if output_attentions else None,
        )

    def _forward_adaptive(
        self,
        hidden: Tensor,
        bias: Tensor | None,
        attention_mask: Tensor | None,
        output_hidden_states: bool,
        output_attentions: bool,
    ) -> EncoderOutput:
        assert self.halting is not None and self.config.halting is not None
        threshold = 1.0 - self.config.halting.epsilon
        skip = not (
            self.training or hidden.requires_grad or output_hidden_states or output_attentions
        )
        if skip:
            hidden, state = adaptive_recursion_skipping(
                self.layer, self.attention_adapters, self.ffn_adapters, self.halting,
                hidden, bias, attention_mask, threshold,
            )  # fmt: skip
            all_hidden: list[Tensor] = []
            all_attentions: list[Tensor] = []
        else:
            hidden, state, all_hidden, all_attentions = adaptive_recursion_dense(
                self.layer, self.attention_adapters, self.ffn_adapters, self.halting,
                hidden, bias, attention_mask, threshold, output_hidden_states, output_attentions,
            )  # fmt: skip
        return EncoderOutput(
            last_hidden_state=hidden,
            hidden_states=tuple(all_hidden) if output_hidden_states else None,
            attentions=tuple(all_attentions) if output_attentions else None,
            updates=state.updates,
            remainders=state.remainder,
        )

    def add_adapters(self, bottleneck_width: int) -> None:
        """Give every recursion fresh adapters (a model trained without them, e.g. ALBERT)."""
        if self.config.has_adapters:
            raise ValueError("This encoder already has adapters.")
        self.config = dataclasses.replace(self.config, adapter_width=bottleneck_width)
        width, eps = self.config.hidden_width, self.config.layer_norm_eps
        reference = next(self.parameters())
        for stack in (self.attention_adapters, self.ffn_adapters):
            for index in range(len(stack)):
                adapter = BottleneckAdapter(width, bottleneck_width, eps)
                stack[index] = adapter.to(device=reference.device, dtype=reference.dtype)

    def adapter_parameters(self) -> list[nn.Parameter]:
        """The parameters adapter-only training updates."""
        return [
            *self.attention_adapters.parameters(),
            *self.ffn_adapters.parameters(),
        ]
