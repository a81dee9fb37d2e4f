"""Starting the student from the teacher instead of from random weights.

The reference initialises randomly (its pretrained-embedding start is overwritten). Starting from
the teacher is cheap: the shared layer is a copy of one teacher layer, and the factorised
embeddings come from a truncated SVD of the teacher's word embeddings, so the student's projected
embeddings start close to the teacher's embedding output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ..hf import MiniAlbertForMaskedLM
from ..modeling import BottleneckAdapter
from .teacher import Teacher

# Our shared layer's parameters <- the same parameters of a BERT-style teacher layer.
LAYER_NAMES = {
    "attention.query": "attention.self.query",
    "attention.key": "attention.self.key",
    "attention.value": "attention.self.value",
    "attention.output": "attention.output.dense",
    "attention_norm": "attention.output.LayerNorm",
    "ffn.intermediate": "intermediate.dense",
    "ffn.output": "output.dense",
    "ffn_norm": "output.LayerNorm",
}
# Masked-LM head transform and its LayerNorm, by teacher family (BERT, RoBERTa).
HEAD_NAMES = (
    ("cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm"),
    ("lm_head.dense", "lm_head.layer_norm"),
)


@dataclass(frozen=True)
class FactorisedTable:
    """A truncated-SVD factorisation ``W ~ table @ basis.T`` of row-centred embeddings.

    *Shape:* ``table`` ``[rows, rank]``, ``basis`` ``[hidden, rank]`` with orthonormal columns.
    """

    table: Tensor
    basis: Tensor


def factorise_embeddings(weight: Tensor, rank: int) -> FactorisedTable:
    """The best rank-``rank`` factorisation (Eckart-Young) of the row-centred ``weight``.

    Rows are centred first because the teacher's embedding LayerNorm removes each row's mean
    anyway; the basis then spends no direction on it. Computed in float64 for stability.

    *Shape:* ``weight`` ``[vocab, hidden]``.
    """
    centred = _centred(weight)
    _, _, vh = torch.linalg.svd(centred, full_matrices=False)
    basis = vh[:rank].T
    return FactorisedTable(table=centred @ basis, basis=basis)


def initialise_from_teacher(
    student: MiniAlbertForMaskedLM, teacher: Teacher, layer: int | None = None
) -> list[str]:
    """Copy what the teacher can give; returns a line per part for the log.

    ``layer`` (1-based; default the middle one) is the teacher layer that becomes the shared
    layer. Raises ``ValueError`` when the teacher is not BERT-style.
    """
    n_layers = teacher.n_layers
    layer = (n_layers + 1) // 2 if layer is None else layer
    if not 1 <= layer <= n_layers:
        raise ValueError(
            f"initialization.teacher_layer = {layer}, but the teacher has layers 1..{n_layers}."
        )
    state = {k: v.detach() for k, v in teacher.encoder.state_dict().items()}
    done = [_copy_layer(student, state, layer - 1)]
    done.append(_copy_embeddings(student, teacher, state))
    done.append(_copy_head(student, teacher, state))
    if student.config.use_adapter:
        _zero_adapter_outputs(student)
        done.append("adapters: up-projections zeroed, so each starts as its LayerNorm alone")
    return done


def _copy_layer(student: MiniAlbertForMaskedLM, state: dict[str, Tensor], index: int) -> str:
    prefix = f"encoder.layer.{index}."
    if f"{prefix}attention.self.query.weight" not in state:
        raise ValueError(
            "initialization.method = 'teacher' needs a BERT-style teacher (weights named "
            f"'{prefix}attention.self.query...'); this teacher has none. Use 'random'."
        )
    shared = student.minialbert.encoder.layer
    with torch.no_grad():
        for ours, theirs in LAYER_NAMES.items():
            module = shared.get_submodule(ours)
            for kind in ("weight", "bias"):
                getattr(module, kind).copy_(state[f"{prefix}{theirs}.{kind}"])
    return f"shared layer: teacher layer {index + 1}"


def _copy_embeddings(
    student: MiniAlbertForMaskedLM, teacher: Teacher, state: dict[str, Tensor]
) -> str:
    """Factorised embeddings (projected to the hidden width) get a truncated SVD of the teacher's
    tables; embeddings as wide as the hidden states, without projection, the tables as they are."""
    embeddings = student.minialbert.encoder.embeddings
    width = embeddings.word_embeddings.embedding_dim
    hidden = student.config.hidden_size
    words = state["embeddings.word_embeddings.weight"]
    positions = state["embeddings.position_embeddings.weight"]
    types = state.get("embeddings.token_type_embeddings.weight")
    gamma, beta = state["embeddings.LayerNorm.weight"], state["embeddings.LayerNorm.bias"]
    projection = embeddings.projection if isinstance(embeddings.projection, nn.Linear) else None
    if projection is not None:
        factors = factorise_embeddings(words, min(width, hidden))
        rank = factors.basis.shape[1]
        words, positions = factors.table, _centred(positions) @ factors.basis
        types = None if types is None else _centred(types) @ factors.basis
    with torch.no_grad():
        _fill(embeddings.word_embeddings.weight, words)
        _fill(embeddings.position_embeddings.weight, positions, _position_offset(teacher))
        if types is not None:
            _fill(embeddings.token_type_embeddings.weight, types)
        if projection is None:
            embeddings.layer_norm.weight.copy_(gamma)
            embeddings.layer_norm.bias.copy_(beta)
            return "embeddings: the teacher's (same width, no projection)"
        if types is None:
            embeddings.token_type_embeddings.weight.zero_()
        embeddings.layer_norm.weight.fill_(1.0)
        embeddings.layer_norm.bias.zero_()
        # LayerNorm over `rank` dims gives norm sqrt(rank), the teacher's over `hidden` dims
        # sqrt(hidden): rescale, then apply the teacher's LayerNorm gain and bias.
        scaled = gamma.double()[:, None] * factors.basis * math.sqrt(hidden / rank)
        projection.weight.zero_()
        projection.weight[:, :rank].copy_(scaled)
        projection.bias.copy_(beta)
    return f"embeddings: rank-{rank} SVD of the teacher's word embeddings (width {width})"


def _position_offset(teacher: Teacher) -> int:
    """RoBERTa-style position tables start at ``padding_idx + 1``; ours (and BERT's) at 0."""
    padding_idx = getattr(teacher.encoder.get_submodule("embeddings"), "padding_idx", None)
    return 0 if padding_idx is None else int(padding_idx) + 1


def _centred(weight: Tensor) -> Tensor:
    return weight.double() - weight.double().mean(dim=1, keepdim=True)


def _fill(target: Tensor, values: Tensor, row_offset: int = 0) -> None:
    """Copy ``values`` into the leading rows and columns of ``target``; what is left is zeroed
    (extra columns when the student's width exceeds the teacher's rank)."""
    rows = min(target.shape[0], values.shape[0] - row_offset)
    target.zero_()
    target[:rows, : values.shape[1]].copy_(values[row_offset : row_offset + rows])


def _copy_head(student: MiniAlbertForMaskedLM, teacher: Teacher, state: dict[str, Tensor]) -> str:
    head = student.mlm_head
    full = dict(teacher.model.state_dict()) if teacher.has_mlm_head else {}
    output = teacher.model.get_output_embeddings() if teacher.has_mlm_head else None
    with torch.no_grad():
        for transform, norm in HEAD_NAMES:
            if f"{transform}.weight" in full:
                head.transform.weight.copy_(full[f"{transform}.weight"])
                head.transform.bias.copy_(full[f"{transform}.bias"])
                head.layer_norm.weight.copy_(full[f"{norm}.weight"])
                head.layer_norm.bias.copy_(full[f"{norm}.bias"])
                assert isinstance(output, nn.Linear)
                head.decoder.weight.copy_(output.weight)
                if output.bias is not None:
                    head.decoder.bias.copy_(output.bias)
                return "masked-LM head: the teacher's"
        # No head to copy: BERT ties its decoder to the word embeddings, so they are the
        # natural output embeddings.
        head.decoder.weight.copy_(state["embeddings.word_embeddings.weight"])
        head.decoder.bias.zero_()
    return "masked-LM head: decoder from the teacher's word embeddings (the teacher has no head)"


def _zero_adapter_outputs(student: MiniAlbertForMaskedLM) -> None:
    encoder = student.minialbert.encoder
    with torch.no_grad():
        for stack in (encoder.attention_adapters, encoder.ffn_adapters):
            for adapter in stack:
                if isinstance(adapter, BottleneckAdapter):
                    adapter.up.weight.zero_()
                    adapter.up.bias.zero_()
