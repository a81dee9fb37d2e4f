"""Dynamic 80/10/10 masking."""

from __future__ import annotations

import torch

from spacy_minialbert.distill.masking import (
    IGNORE_INDEX,
    MaskedBatch,
    batch_generator,
    mask_tokens,
)

SPECIAL = torch.tensor([0, 1, 2, 3, 4])  # pad, unk, cls, sep, mask
MASK_ID, VOCAB = 4, 1000


def sample_batch(rows: int = 64, length: int = 128) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    input_ids = torch.randint(5, VOCAB, (rows, length), generator=generator)
    input_ids[:, 0], input_ids[:, -1] = 2, 3
    attention_mask = torch.ones_like(input_ids)
    attention_mask[::2, 100:] = 0
    input_ids[attention_mask == 0] = 0
    return input_ids, attention_mask


def masked(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, MaskedBatch]:
    input_ids, attention_mask = sample_batch()
    batch = mask_tokens(
        input_ids, attention_mask, SPECIAL, MASK_ID, VOCAB, batch_generator(seed, 0, 0, 0)
    )
    return input_ids, attention_mask, batch


def test_only_real_ordinary_tokens_are_selected() -> None:
    input_ids, attention_mask, batch = masked()
    selected = batch.masked
    assert not selected[attention_mask == 0].any()
    assert not selected[:, 0].any() and not selected[:, -1].any()
    labels = batch.labels
    assert torch.equal(labels[selected], input_ids[selected])
    assert (labels[~selected] == IGNORE_INDEX).all()
    unselected = ~selected
    assert torch.equal(batch.input_ids[unselected], input_ids[unselected])


def test_rates_follow_15_percent_and_80_10_10() -> None:
    input_ids, attention_mask, batch = masked()
    eligible = attention_mask.bool().clone()
    eligible[:, 0] = eligible[:, -1] = False
    selected = batch.masked
    rate = selected.sum() / eligible.sum()
    assert 0.14 < float(rate) < 0.16
    corrupted = batch.input_ids[selected]
    original = input_ids[selected]
    n = selected.sum()
    as_mask = (corrupted == MASK_ID).sum() / n
    kept = (corrupted == original).sum() / n
    assert 0.77 < float(as_mask) < 0.83
    # Kept: the 10% left alone plus random draws that hit the original (rare).
    assert 0.08 < float(kept) < 0.12


def test_masks_are_reproducible_from_the_batch_coordinates() -> None:
    first, second, other = masked(0)[2], masked(0)[2], masked(1)[2]
    assert torch.equal(first.input_ids, second.input_ids)
    assert not torch.equal(first.masked, other.masked)
    a = torch.rand(3, generator=batch_generator(0, 0, 5, 0))
    b = torch.rand(3, generator=batch_generator(0, 1, 5, 0))
    c = torch.rand(3, generator=batch_generator(0, 0, 5, 1))
    assert not torch.equal(a, b) and not torch.equal(a, c)
