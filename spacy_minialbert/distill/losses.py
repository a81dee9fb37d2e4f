"""The layer-to-layer distillation loss of MiniALBERT, term by term, and ALBERT-ACT's ponder cost.

Reductions follow the reference training script (nlpie-research, Lightweight-Clinical-
Transformers): attention KL is ``KLDivLoss(reduction="mean")`` over the selected query rows
(so divided by rows x key positions), hidden states ``CosineEmbeddingLoss`` (mean of 1 - cos),
logits ``KLDivLoss(reduction="batchmean")`` times ``T^2``. Everything is computed in float32.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

PROBABILITY_FLOOR = 1e-12
TERMS = ("mlm", "attention", "hidden", "logits", "ponder")


@dataclass(frozen=True)
class LayerMap:
    """Which teacher layer each student recursion learns from (1-based, one per recursion)."""

    teacher_layers: tuple[int, ...]

    @classmethod
    def default(cls, n_teacher_layers: int, n_recursions: int) -> LayerMap:
        """Recursion ``r`` (1..R) learns from teacher layer ``round(r * L / R)``, halves rounded
        up and never below 1 (layer 0 is the embeddings, which have no attention map)."""
        layers = tuple(
            max(1, int(r * n_teacher_layers / n_recursions + 0.5))
            for r in range(1, n_recursions + 1)
        )
        return cls(layers)

    @classmethod
    def explicit(cls, layers: Sequence[int], n_teacher_layers: int, n_recursions: int) -> LayerMap:
        if len(layers) != n_recursions:
            raise ValueError(
                f"loss.teacher_layers names {len(layers)} layer(s); the student has "
                f"{n_recursions} recursion(s), one teacher layer each."
            )
        bad = [layer for layer in layers if not 1 <= layer <= n_teacher_layers]
        if bad:
            raise ValueError(
                f"loss.teacher_layers {list(bad)} out of range: the teacher has layers 1.."
                f"{n_teacher_layers}."
            )
        return cls(tuple(layers))


def mlm_loss(logits: Tensor, labels: Tensor) -> Tensor:
    """Cross-entropy of the student on the masked positions (0 when a batch has none).

    *Shape:* ``logits`` ``[n_masked, vocab]``, ``labels`` ``[n_masked]``.
    """
    total = F.cross_entropy(logits.float(), labels, reduction="sum")
    return total / max(labels.numel(), 1)


def attention_loss(
    student: Sequence[Tensor], teacher: Sequence[Tensor], attention_mask: Tensor
) -> Tensor:
    """Sum over layer pairs of KL(teacher || student) over the query rows of real tokens, all
    heads; probabilities get ``+1e-12`` so padded keys (0 on both sides) stay finite.

    *Shape:* each map ``[batch, heads, seq, seq]``; ``attention_mask`` ``[batch, seq]``.
    """
    rows = attention_mask.bool()
    total = attention_mask.new_zeros((), dtype=torch.float32)
    for s_map, t_map in zip(student, teacher, strict=True):
        # [batch, seq, heads, keys] -> the real query rows: [n_real, heads, keys]
        s_rows = s_map.transpose(1, 2)[rows].float() + PROBABILITY_FLOOR
        t_rows = t_map.transpose(1, 2)[rows].float() + PROBABILITY_FLOOR
        # Written out rather than kl_div(reduction="mean"), whose meaning torch plans to change.
        total = total + (t_rows * (t_rows.log() - s_rows.log())).mean()
    return total


def hidden_loss(
    student: Sequence[Tensor], teacher: Sequence[Tensor], attention_mask: Tensor
) -> Tensor:
    """Sum over layer pairs of the mean ``1 - cos(student, teacher)`` over real tokens.

    *Shape:* each state ``[batch, seq, hidden]``; ``attention_mask`` ``[batch, seq]``.
    """
    rows = attention_mask.bool()
    total = attention_mask.new_zeros((), dtype=torch.float32)
    for s_state, t_state in zip(student, teacher, strict=True):
        cosine = F.cosine_similarity(s_state[rows].float(), t_state[rows].float(), dim=-1)
        total = total + (1.0 - cosine).mean()
    return total


def logit_loss(student: Tensor, teacher: Tensor, temperature: float = 1.0) -> Tensor:
    """``KL(softmax(teacher/T) || softmax(student/T)) * T^2``, averaged over masked positions.

    *Shape:* both ``[n_masked, vocab]``.
    """
    if student.shape[0] == 0:
        return student.sum() * 0.0
    log_student = F.log_softmax(student.float() / temperature, dim=-1)
    target = F.softmax(teacher.float() / temperature, dim=-1)
    return F.kl_div(log_student, target, reduction="batchmean") * temperature**2


def ponder_cost(updates: Tensor, remainders: Tensor, attention_mask: Tensor) -> Tensor:
    """ALBERT-ACT's ponder cost before the weight tau: the mean over the batch of the sum over
    real tokens of ``N + R``. Only the remainders ``R`` carry gradient (``N`` counts steps).

    *Shape:* all ``[batch, seq]``.
    """
    real = attention_mask.to(remainders.dtype)
    per_token = updates.detach().float() + remainders.float()
    return (per_token * real).sum(dim=1).mean()
