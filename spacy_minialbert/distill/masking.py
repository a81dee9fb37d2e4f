"""Dynamic masking for the masked-LM objective (BERT's 80/10/10 scheme), redrawn every batch."""

from __future__ import annotations

import random
from dataclasses import dataclass, fields

import torch
from torch import Tensor

IGNORE_INDEX = -100


@dataclass
class MaskedBatch:
    """A batch after masking.

    *Shape:* every field ``[batch, seq]``. ``labels`` holds the original ids at the positions to
    predict and ``-100`` elsewhere; ``masked`` is the boolean form of the same selection.
    """

    input_ids: Tensor
    attention_mask: Tensor
    labels: Tensor
    masked: Tensor

    def to(self, device: torch.device) -> MaskedBatch:
        return MaskedBatch(*(getattr(self, item.name).to(device) for item in fields(self)))


def batch_generator(seed: int, rank: int, step: int, micro_batch: int) -> torch.Generator:
    """A generator seeded from the batch's coordinates, so masks need no saved state to be
    reproduced exactly after a resume."""
    seed_value = random.Random(f"mask-{seed}-{rank}-{step}-{micro_batch}").getrandbits(63)
    return torch.Generator().manual_seed(seed_value)


def mask_tokens(
    input_ids: Tensor,
    attention_mask: Tensor,
    special_ids: Tensor,
    mask_token_id: int,
    vocab_size: int,
    generator: torch.Generator,
    probability: float = 0.15,
    mask_fraction: float = 0.8,
    random_fraction: float = 0.1,
) -> MaskedBatch:
    """Select ``probability`` of the real, non-special tokens to predict; replace
    ``mask_fraction`` of them by ``mask_token_id``, ``random_fraction`` by a random id below
    ``vocab_size``, and keep the rest (as ``DataCollatorForLanguageModeling`` does).

    *Shape:* ``input_ids`` and ``attention_mask`` ``[batch, seq]`` (CPU); ``special_ids``
    ``[n_special]``.
    """
    eligible = attention_mask.bool() & ~torch.isin(input_ids, special_ids)
    draw = torch.rand(input_ids.shape, generator=generator)
    masked = eligible & (draw < probability)
    labels = torch.where(masked, input_ids, torch.full_like(input_ids, IGNORE_INDEX))
    # One more uniform draw splits the selected tokens into mask / random / keep.
    choice = torch.rand(input_ids.shape, generator=generator)
    to_mask = masked & (choice < mask_fraction)
    to_random = masked & (choice >= mask_fraction) & (choice < mask_fraction + random_fraction)
    random_ids = torch.randint(vocab_size, input_ids.shape, generator=generator)
    corrupted = torch.where(to_mask, torch.full_like(input_ids, mask_token_id), input_ids)
    corrupted = torch.where(to_random, random_ids, corrupted)
    return MaskedBatch(corrupted, attention_mask, labels, masked)
