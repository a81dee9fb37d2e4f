"""Factorised embeddings: narrow lookup tables, then a projection to the hidden width."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .config import EncoderConfig


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
