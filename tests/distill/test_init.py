"""Starting the student from the teacher."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from spacy_minialbert.distill.config import StudentSettings
from spacy_minialbert.distill.initialization import (
    factorise_embeddings,
    initialise_from_teacher,
)
from spacy_minialbert.distill.student import student_config
from spacy_minialbert.distill.teacher import Teacher, load_teacher
from spacy_minialbert.hf import MiniAlbertForMaskedLM


@pytest.fixture(scope="module")
def teacher(teacher_dir: Path) -> tuple[Teacher, Any]:
    return load_teacher(str(teacher_dir))


def student(teacher: Teacher, tokenizer: Any, **settings: Any) -> MiniAlbertForMaskedLM:
    torch.manual_seed(0)
    config = student_config(
        StudentSettings(num_hidden_layers=2, **settings), teacher.config, tokenizer, 32
    )
    return MiniAlbertForMaskedLM(config).eval()


def embedding_cosine(model: MiniAlbertForMaskedLM, teacher: Teacher, tokenizer: Any) -> float:
    batch = tokenizer(["the patient was seen in the clinic for chest pain ."], return_tensors="pt")
    with torch.no_grad():
        ours = model.minialbert.encoder.embeddings(batch["input_ids"])
        theirs = teacher.encoder(**batch, output_hidden_states=True).hidden_states[0]
    return float(F.cosine_similarity(ours, theirs, dim=-1).mean())


def test_factorisation_is_exact_at_full_rank() -> None:
    weight = torch.randn(50, 8, generator=torch.Generator().manual_seed(0))
    centred = weight - weight.mean(1, keepdim=True)
    # Centred rows span at most 7 dimensions: rank 7 loses nothing.
    factors = factorise_embeddings(weight, 7)
    torch.testing.assert_close((factors.table @ factors.basis.T).float(), centred)
    truncated = factorise_embeddings(weight, 3)
    assert truncated.table.shape == (50, 3) and truncated.basis.shape == (8, 3)
    torch.testing.assert_close(truncated.basis.T @ truncated.basis, torch.eye(3).double())


def test_teacher_initialisation_copies_layer_head_and_factorised_embeddings(
    teacher: tuple[Teacher, Any],
) -> None:
    model_teacher, tokenizer = teacher
    model = student(model_teacher, tokenizer, embedding_size=24)
    random_cosine = embedding_cosine(model, model_teacher, tokenizer)
    done = initialise_from_teacher(model, model_teacher, layer=3)
    assert done[0] == "shared layer: teacher layer 3"
    bert_layer = model_teacher.encoder.encoder.layer[2]
    shared = model.minialbert.encoder.layer
    assert torch.equal(shared.attention.query.weight, bert_layer.attention.self.query.weight)
    assert torch.equal(shared.ffn.output.bias, bert_layer.output.dense.bias)
    assert torch.equal(shared.ffn_norm.weight, bert_layer.output.LayerNorm.weight)
    head = model_teacher.model.cls.predictions
    assert torch.equal(model.mlm_head.transform.weight, head.transform.dense.weight)
    assert torch.equal(model.mlm_head.decoder.weight, head.decoder.weight)
    adapter = model.minialbert.encoder.attention_adapters[0]
    assert not adapter.up.weight.detach().any()
    # Rank 24 of 31 useful dimensions: close to the teacher's embedding output already.
    cosine = embedding_cosine(model, model_teacher, tokenizer)
    assert cosine > 0.8 and cosine > random_cosine + 0.5


def test_default_layer_is_the_middle_one(teacher: tuple[Teacher, Any]) -> None:
    model = student(*teacher)
    assert initialise_from_teacher(model, teacher[0])[0] == "shared layer: teacher layer 2"
    with pytest.raises(ValueError, match=r"teacher_layer = 5, but the teacher has layers 1\.\.4"):
        initialise_from_teacher(model, teacher[0], layer=5)


def test_same_width_copies_the_embedding_tables(teacher: tuple[Teacher, Any]) -> None:
    model_teacher, tokenizer = teacher
    model = student(model_teacher, tokenizer, embedding_size=32)
    initialise_from_teacher(model, model_teacher)
    assert embedding_cosine(model, model_teacher, tokenizer) == pytest.approx(1.0, abs=1e-5)


def test_a_headless_teacher_gives_its_word_embeddings_to_the_decoder(
    headless_teacher_dir: Path,
) -> None:
    model_teacher, tokenizer = load_teacher(str(headless_teacher_dir))
    assert not model_teacher.has_mlm_head
    model = student(model_teacher, tokenizer)
    done = initialise_from_teacher(model, model_teacher)
    assert "the teacher has no head" in done[2]
    words = model_teacher.encoder.embeddings.word_embeddings.weight
    assert torch.equal(model.mlm_head.decoder.weight, words)
