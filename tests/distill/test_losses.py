"""The loss terms against the reference's formulation, and the layer mapping."""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from spacy_minialbert.distill.losses import (
    LayerMap,
    attention_loss,
    hidden_loss,
    logit_loss,
    mlm_loss,
)

MASK = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])


def attention_maps(seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    scores = torch.randn(2, 3, 4, 4, generator=generator)
    scores = scores + (1 - MASK[:, None, None, :]) * -1e9
    return scores.softmax(-1)


def states(seed: int) -> torch.Tensor:
    return torch.randn(2, 4, 8, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize(
    ("teacher", "student", "expected"),
    [(12, 6, (2, 4, 6, 8, 10, 12)), (6, 3, (2, 4, 6)), (4, 3, (1, 3, 4)), (2, 4, (1, 1, 2, 2))],
)
def test_default_layer_map(teacher: int, student: int, expected: tuple[int, ...]) -> None:
    assert LayerMap.default(teacher, student).teacher_layers == expected


def test_explicit_layer_map_is_checked() -> None:
    assert LayerMap.explicit([1, 4], 4, 2).teacher_layers == (1, 4)
    with pytest.raises(ValueError, match="names 3 layer"):
        LayerMap.explicit([1, 2, 3], 4, 2)
    with pytest.raises(ValueError, match=r"\[5\] out of range: the teacher has layers 1..4"):
        LayerMap.explicit([1, 5], 4, 2)


def test_attention_loss_equals_the_reference_kl_over_real_query_rows() -> None:
    student, teacher = (
        [attention_maps(0), attention_maps(1)],
        [attention_maps(2), attention_maps(3)],
    )
    expected = torch.tensor(0.0)
    for s_map, t_map in zip(student, teacher, strict=True):
        # The reference: masked_select of the real query rows, +1e-12, KLDivLoss(mean).
        rows = MASK.unsqueeze(1).repeat(1, 3, 1).unsqueeze(-1).expand_as(s_map).bool()
        s_rows = torch.masked_select(s_map, rows).view(-1, 4) + 1e-12
        t_rows = torch.masked_select(t_map, rows).view(-1, 4) + 1e-12
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = expected + nn.KLDivLoss(reduction="mean")(s_rows.log(), t_rows)
    torch.testing.assert_close(attention_loss(student, teacher, MASK), expected)
    assert float(attention_loss(teacher, teacher, MASK)) == pytest.approx(0.0, abs=1e-7)


def test_attention_loss_ignores_padded_query_rows() -> None:
    student, teacher = attention_maps(0), attention_maps(1)
    changed = student.clone()
    changed[0, :, 3] = torch.tensor([0.0, 0.0, 0.0, 1.0])  # a padded query row
    assert torch.equal(
        attention_loss([student], [teacher], MASK), attention_loss([changed], [teacher], MASK)
    )


def test_hidden_loss_is_one_minus_cosine_over_real_tokens() -> None:
    s, t = states(0), states(1)
    real = MASK.bool()
    expected = (1 - F.cosine_similarity(s[real], t[real], dim=-1)).mean()
    torch.testing.assert_close(hidden_loss([s], [t], MASK), expected)
    torch.testing.assert_close(hidden_loss([s, s], [t, t], MASK), 2 * expected)
    assert float(hidden_loss([t], [2.0 * t], MASK)) == pytest.approx(0.0, abs=1e-6)
    padded = s.clone()
    padded[1, 3] = 100.0
    torch.testing.assert_close(hidden_loss([padded], [t], MASK), expected)


def test_logit_loss_is_temperature_scaled_kl() -> None:
    generator = torch.Generator().manual_seed(0)
    student, teacher = (
        torch.randn(5, 11, generator=generator),
        torch.randn(5, 11, generator=generator),
    )
    for temperature in (1.0, 2.0):
        p = F.softmax(teacher / temperature, -1)
        q = F.log_softmax(student / temperature, -1)
        expected = (p * (p.log() - q)).sum(-1).mean() * temperature**2
        torch.testing.assert_close(logit_loss(student, teacher, temperature), expected)
    assert float(logit_loss(teacher, teacher)) == pytest.approx(0.0, abs=1e-6)
    empty = logit_loss(torch.zeros(0, 11), torch.zeros(0, 11))
    assert float(empty) == 0.0


def test_mlm_loss_is_cross_entropy_and_zero_without_masked_tokens() -> None:
    logits = torch.randn(4, 9, generator=torch.Generator().manual_seed(0))
    labels = torch.tensor([1, 2, 3, 4])
    torch.testing.assert_close(mlm_loss(logits, labels), F.cross_entropy(logits, labels))
    assert float(mlm_loss(torch.zeros(0, 9), torch.zeros(0, dtype=torch.long))) == 0.0
