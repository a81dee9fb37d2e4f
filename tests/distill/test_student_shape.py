"""The student's shape is a BackboneShape: the [student] settings have its fields, and those
left out (None) take the teacher's values."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from spacy_minialbert.backbone_shape import BackboneShape
from spacy_minialbert.distill.config import StudentSettings
from spacy_minialbert.distill.student import student_config

TEACHER = SimpleNamespace(
    hidden_size=32,
    num_attention_heads=2,
    intermediate_size=64,
    vocab_size=100,
    hidden_act="gelu_new",
    max_position_embeddings=128,
    type_vocab_size=2,
    initializer_range=0.02,
    layer_norm_eps=1e-12,
)


class Tokenizer:
    pad_token_id = 0

    def __len__(self) -> int:
        return 90


def test_student_settings_are_the_backbone_shape() -> None:
    settings = [item.name for item in dataclasses.fields(StudentSettings)]
    assert sorted(settings) == sorted(item.name for item in dataclasses.fields(BackboneShape))


def test_settings_left_out_take_the_teachers_values() -> None:
    config = student_config(StudentSettings(num_hidden_layers=2), TEACHER, Tokenizer(), 64)
    assert (config.hidden_size, config.num_attention_heads, config.intermediate_size) == (
        32, 2, 64,
    )  # fmt: skip
    assert (config.hidden_act, config.max_position_embeddings) == ("gelu_new", 128)
    assert (config.vocab_size, config.num_hidden_layers, config.embedding_size) == (100, 2, 128)


def test_settings_given_win_over_the_teachers() -> None:
    settings = StudentSettings(
        intermediate_size=48, hidden_act="relu", max_position_embeddings=64, use_act=True,
        act_epsilon=0.05, use_adapter=False, hidden_dropout_prob=0.2,
    )  # fmt: skip
    config = student_config(settings, TEACHER, Tokenizer(), 64)
    assert (config.intermediate_size, config.hidden_act, config.max_position_embeddings) == (
        48, "relu", 64,
    )  # fmt: skip
    assert (config.use_act, config.act_epsilon, config.use_adapter) == (True, 0.05, False)
    assert config.hidden_dropout_prob == 0.2


def test_a_shape_the_model_cannot_have_is_named() -> None:
    with pytest.raises(ValueError, match="reduction factor"):
        student_config(StudentSettings(reduction_factor=64), TEACHER, Tokenizer(), 64)
