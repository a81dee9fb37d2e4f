"""Bad configurations fail where they are written, with the offending values in the message."""

from __future__ import annotations

import re

import pytest

from spacy_minialbert import MiniAlbertConfig

TINY = dict(
    vocab_size=100, embedding_size=16, hidden_size=32, num_hidden_layers=2,
    num_attention_heads=2, intermediate_size=64, reduction_factor=4,
)  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"hidden_size": 770, "num_attention_heads": 12},
            "The hidden width (770) must be divisible by the number of attention heads (12).",
        ),
        (
            {"reduction_factor": 1000},
            "The adapter reduction factor (1000) must lie between 1 and the hidden size (32).",
        ),
        (
            {"num_hidden_layers": 0},
            "The number of recursions (num_hidden_layers) must be at least 1, got 0.",
        ),
        ({"hidden_act": "tanhh"}, "Unknown activation 'tanhh'"),
        ({"hidden_dropout_prob": 1.5}, "`hidden_dropout` must lie in [0, 1), got 1.5."),
        (
            {"project_embeddings": False},
            "The embedding width (16) differs from the hidden width (32), so the embeddings "
            "must be projected.",
        ),
        ({"use_act": True, "act_epsilon": 0.0}, "The halting epsilon (0.0) must lie strictly"),
        ({"vocab_size": 0}, "`vocab_size` must be at least 1, got 0."),
        ({"pad_token_id": 100}, "The padding id (100) must be a valid token id (0..99)."),
    ],
)
def test_bad_config_names_the_values(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        MiniAlbertConfig(**{**TINY, **overrides})


def test_reduction_factor_is_ignored_without_adapters() -> None:
    config = MiniAlbertConfig(**{**TINY, "use_adapter": False, "reduction_factor": 1000})
    assert config.to_encoder_config().adapter_width is None


def test_config_round_trips_through_dict() -> None:
    config = MiniAlbertConfig(**TINY, use_act=True, act_epsilon=0.05)
    again = MiniAlbertConfig.from_dict(config.to_dict())
    assert again.to_encoder_config() == config.to_encoder_config()
    assert config.to_dict()["model_type"] == "minialbert"
