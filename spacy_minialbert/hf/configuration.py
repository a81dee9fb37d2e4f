"""``MiniAlbertConfig``: the Hugging Face face of :class:`~spacy_minialbert.modeling.EncoderConfig`.

Field names follow the published checkpoints (``embedding_size``, ``num_hidden_layers``,
``use_adapter``, ``reduction_factor``), so a published ``config.json`` maps onto it key by key.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from transformers import PretrainedConfig

from ..backbone_shape import BackboneShape
from ..modeling import EncoderConfig


class MiniAlbertConfig(PretrainedConfig):
    """Configuration of a MiniALBERT (or ALBERT, or ALBERT-ACT) encoder and its heads.

    ``num_hidden_layers`` is the number of recursions of the one shared layer. Adapters of width
    ``hidden_size // reduction_factor`` sit before the attention and feed-forward blocks of each
    recursion when ``use_adapter`` is true. ``use_act`` adds ALBERT-ACT's per-token halting unit
    (tokens stop once their halting probability exceeds ``1 - act_epsilon``).
    ``project_embeddings`` (default: only when ``embedding_size != hidden_size``) adds the linear
    map from the embedding width to the hidden width.
    """

    model_type = "minialbert"

    def __init__(
        self,
        vocab_size: int = 30522,
        embedding_size: int = 128,
        hidden_size: int = 768,
        num_hidden_layers: int = 6,
        num_attention_heads: int = 12,
        intermediate_size: int = 3072,
        hidden_act: str = "gelu",
        hidden_dropout_prob: float = 0.1,
        attention_probs_dropout_prob: float = 0.1,
        max_position_embeddings: int = 512,
        type_vocab_size: int = 2,
        initializer_range: float = 0.02,
        layer_norm_eps: float = 1e-12,
        use_adapter: bool = True,
        reduction_factor: int = 16,
        project_embeddings: bool | None = None,
        use_act: bool = False,
        act_epsilon: float = 0.01,
        classifier_dropout: float | None = None,
        pad_token_id: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(pad_token_id=pad_token_id, **kwargs)
        self.vocab_size = vocab_size
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps
        self.use_adapter = use_adapter
        self.reduction_factor = reduction_factor
        self.project_embeddings = project_embeddings
        self.use_act = use_act
        self.act_epsilon = act_epsilon
        self.classifier_dropout = classifier_dropout
        # Validate now, so a bad config fails where it is written, not at the first forward.
        self.to_encoder_config()

    @classmethod
    def from_shape(
        cls, shape: BackboneShape, *, vocab_size: int, pad_token_id: int, **fields: Any
    ) -> MiniAlbertConfig:
        """The config of a new model of ``shape`` for a vocabulary, checked; ``fields`` set
        further fields or override the shape's (a pipeline's ``transformer_config``)."""
        values = {**dataclasses.asdict(shape), **fields}
        return cls(vocab_size=vocab_size, pad_token_id=pad_token_id, **values)

    @property
    def adapter_width(self) -> int | None:
        if not self.use_adapter:
            return None
        if not 1 <= self.reduction_factor <= self.hidden_size:
            raise ValueError(
                f"The adapter reduction factor ({self.reduction_factor}) must lie between 1 and "
                f"the hidden size ({self.hidden_size})."
            )
        return self.hidden_size // self.reduction_factor

    def to_encoder_config(self) -> EncoderConfig:
        """The typed core configuration; raises ``ValueError`` naming any bad value."""
        return EncoderConfig(
            vocab_size=self.vocab_size,
            embedding_width=self.embedding_size,
            hidden_width=self.hidden_size,
            n_recursions=self.num_hidden_layers,
            n_heads=self.num_attention_heads,
            intermediate_width=self.intermediate_size,
            activation=self.hidden_act,
            n_positions=self.max_position_embeddings,
            n_types=self.type_vocab_size,
            layer_norm_eps=self.layer_norm_eps,
            hidden_dropout=self.hidden_dropout_prob,
            attention_dropout=self.attention_probs_dropout_prob,
            padding_idx=self.pad_token_id,
            adapter_width=self.adapter_width,
            project_embeddings=self.project_embeddings,
            halting_epsilon=self.act_epsilon if self.use_act else None,
        )

    @property
    def head_dropout(self) -> float:
        """Dropout before a classification head (``classifier_dropout``, else the hidden one)."""
        if self.classifier_dropout is None:
            return self.hidden_dropout_prob
        return self.classifier_dropout
