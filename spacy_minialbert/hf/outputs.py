"""Hugging Face ``ModelOutput`` types with the adaptive-depth fields."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers.utils import ModelOutput


@dataclass
class MiniAlbertModelOutput(ModelOutput):
    """Encoder output. ``updates`` (layer applications per token) and ``remainders`` are set
    only with adaptive depth; ``hidden_states``/``attentions`` only when asked for."""

    last_hidden_state: torch.FloatTensor | None = None
    pooler_output: torch.FloatTensor | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None
    updates: torch.FloatTensor | None = None
    remainders: torch.FloatTensor | None = None


@dataclass
class MiniAlbertHeadOutput(ModelOutput):
    """Output of a task head: loss (when labels are given), logits, and the encoder extras."""

    loss: torch.FloatTensor | None = None
    logits: torch.FloatTensor | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None
    updates: torch.FloatTensor | None = None
    remainders: torch.FloatTensor | None = None
