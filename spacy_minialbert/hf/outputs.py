"""Hugging Face ``ModelOutput`` types with the adaptive-depth fields."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers.utils import ModelOutput


@dataclass
class MiniAlbertModelOutput(ModelOutput):
    """Encoder output. ``updates`` (layer applications per token) and ``remainders`` are set
    only with adaptive depth; ``hidden_states``/``attentions`` only when asked for."""

    last_hidden_state: torch.Tensor | None = None
    pooler_output: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None
    updates: torch.Tensor | None = None
    remainders: torch.Tensor | None = None


@dataclass
class MiniAlbertHeadOutput(ModelOutput):
    """Output of a task head: loss (when labels are given), logits, and the encoder extras."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None
    updates: torch.Tensor | None = None
    remainders: torch.Tensor | None = None
