"""Forward-pass conventions: optional inputs, the [CLS] head, loss rules."""

from __future__ import annotations

import pytest
import torch

from spacy_minialbert import (
    MiniAlbertConfig,
    MiniAlbertForSequenceClassification,
    MiniAlbertForTokenClassification,
    MiniAlbertModel,
)

CONFIG = dict(
    vocab_size=50, embedding_size=8, hidden_size=16, num_hidden_layers=2,
    num_attention_heads=2, intermediate_size=32, reduction_factor=4, max_position_embeddings=16,
)  # fmt: skip
IDS = torch.tensor([[2, 7, 9, 11, 3], [2, 5, 3, 0, 0]])


def test_token_types_and_attention_mask_are_optional() -> None:
    torch.manual_seed(0)
    model = MiniAlbertModel(MiniAlbertConfig(**CONFIG)).eval()
    plain = model(IDS).last_hidden_state
    explicit = model(
        IDS, attention_mask=torch.ones_like(IDS), token_type_ids=torch.zeros_like(IDS)
    ).last_hidden_state
    assert torch.allclose(plain, explicit, atol=1e-6)


def test_padding_does_not_change_real_tokens() -> None:
    torch.manual_seed(0)
    model = MiniAlbertModel(MiniAlbertConfig(**CONFIG)).eval()
    mask = (IDS != 0).long()
    padded = model(IDS, attention_mask=mask).last_hidden_state[1, :3]
    alone = model(IDS[1:, :3]).last_hidden_state[0]
    assert torch.allclose(padded, alone, atol=1e-5)


def test_sequence_classification_uses_the_raw_cls_state() -> None:
    torch.manual_seed(0)
    model = MiniAlbertForSequenceClassification(MiniAlbertConfig(**CONFIG, num_labels=3)).eval()
    out = model(IDS, attention_mask=(IDS != 0).long())
    hidden = model.minialbert(IDS, attention_mask=(IDS != 0).long()).last_hidden_state
    assert torch.allclose(out.logits, model.classifier(hidden[:, 0]), atol=1e-6)


@pytest.mark.parametrize(
    ("num_labels", "labels", "problem_type"),
    [
        (1, torch.tensor([0.5, -1.0]), "regression"),
        (3, torch.tensor([2, 0]), "single_label_classification"),
        (3, torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]), "multi_label_classification"),
    ],
)
def test_sequence_loss_follows_problem_type(
    num_labels: int, labels: torch.Tensor, problem_type: str
) -> None:
    model = MiniAlbertForSequenceClassification(MiniAlbertConfig(**CONFIG, num_labels=num_labels))
    loss = model(IDS, labels=labels).loss
    assert model.config.problem_type == problem_type and loss.ndim == 0 and loss.item() > 0


def test_token_loss_ignores_minus_100() -> None:
    torch.manual_seed(0)
    model = MiniAlbertForTokenClassification(MiniAlbertConfig(**CONFIG, num_labels=4)).eval()
    labels = torch.full_like(IDS, -100)
    labels[0, 1] = 2
    out = model(IDS, labels=labels)
    expected = torch.nn.functional.cross_entropy(out.logits[0, 1:2], torch.tensor([2]))
    assert torch.allclose(out.loss, expected)


def test_return_dict_false_gives_a_tuple() -> None:
    model = MiniAlbertModel(MiniAlbertConfig(**CONFIG)).eval()
    out = model(IDS, return_dict=False)
    assert isinstance(out, tuple) and out[0].shape == (2, 5, 16)


def test_too_long_input_is_an_error_not_a_crash() -> None:
    model = MiniAlbertModel(MiniAlbertConfig(**CONFIG)).eval()
    with pytest.raises(ValueError, match="has 20 positions, more than the model's maximum"):
        model(torch.ones(1, 20, dtype=torch.long))
