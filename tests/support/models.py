"""Small random MiniALBERT models and ragged batches for the modeling and compression tests."""

from __future__ import annotations

from typing import Any

import torch

from spacy_minialbert import MiniAlbertConfig, MiniAlbertModel


def small_model(**overrides: Any) -> MiniAlbertModel:
    config = MiniAlbertConfig(
        vocab_size=100, embedding_size=16, hidden_size=32, num_hidden_layers=3,
        num_attention_heads=4, intermediate_size=64, reduction_factor=4,
        max_position_embeddings=64, **overrides,
    )  # fmt: skip
    torch.manual_seed(0)
    return MiniAlbertModel(config).eval()


def ragged_batch() -> tuple[torch.Tensor, torch.Tensor]:
    lengths = [20, 7, 20, 3, 12, 1]
    ids = torch.randint(5, 100, (len(lengths), 20))
    mask = torch.zeros_like(ids)
    for row, length in enumerate(lengths):
        mask[row, :length] = 1
    return ids * mask, mask
