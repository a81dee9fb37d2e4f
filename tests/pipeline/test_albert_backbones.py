"""ALBERT and ALBERT-ACT checkpoints as spaCy backbones: train, save, load, adaptive depth."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import spacy
import torch
from transformers import AlbertModel, BertTokenizerFast

from spacy_minialbert import MiniAlbertModel
from tests.conftest import write_vocab
from tests.support.pipelines import (
    annotate,
    annotate_in_fresh_process,
    assert_same,
    is_adapter,
    train_tiny,
    transformer_only_pipeline,
    transformer_state,
)


@pytest.mark.parametrize("activation", ["gelu_new", "gelu"])
def test_architecture_output_equals_transformers_albert(
    activation: str, albert_checkpoint: Any
) -> None:
    path = albert_checkpoint(activation)
    nlp = transformer_only_pipeline(path)
    doc = nlp("The patient denies chest pain and reports mild dyspnea.")
    data = doc._.trf_data
    reference = AlbertModel.from_pretrained(path).eval()
    expected = reference(
        input_ids=torch.as_tensor(data.wordpieces.input_ids),
        attention_mask=torch.as_tensor(data.wordpieces.attention_mask),
    ).last_hidden_state
    np.testing.assert_allclose(data.model_output.last_hidden_state, expected.detach(), atol=1e-5)


def test_tiny_albert_trains_adapters_only(
    tmp_path: Path, corpus: dict, albert_checkpoint: Any
) -> None:
    path = albert_checkpoint("gelu_new")
    trained = train_tiny(
        tmp_path / "albert",
        corpus,
        path,
        **{"components.transformer.model.adapters_only": True},
    )
    before = MiniAlbertModel.from_pretrained(str(path)).state_dict()
    after = transformer_state(trained)
    assert {k for k in after if not is_adapter(k)} == set(before)
    assert [k for k in before if not torch.equal(before[k], after[k])] == []
    assert any(is_adapter(k) for k in after)  # ALBERT got adapters to train
    assert_same(annotate(spacy.load(trained)), annotate_in_fresh_process(trained, tmp_path))


@pytest.fixture(scope="session")
def albert_act_backbone(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """The ALBERT-ACT conformance checkpoint with a 100-entry WordPiece tokenizer."""
    target = tmp_path_factory.mktemp("act") / "tiny-albert-act"
    shutil.copytree(data_dir / "conformance" / "albert_act" / "tiny_albert_act", target)
    vocab = write_vocab(target / "vocab.txt", 100)
    BertTokenizerFast(vocab_file=str(vocab)).save_pretrained(target)
    return target


def test_albert_act_pipeline_reports_updates(
    tmp_path: Path, corpus: dict, albert_act_backbone: Path
) -> None:
    trained = train_tiny(tmp_path / "act", corpus, albert_act_backbone)
    nlp = spacy.load(trained)
    assert nlp.get_pipe("transformer").model.transformer.config.use_act
    doc = nlp("history of asthma , given antibiotics for pneumonia .")
    per_doc = doc._.act_updates
    assert per_doc is not None and 1.0 <= per_doc <= 6.0
    per_token = [token._.act_updates for token in doc]
    assert all(value is not None and 1.0 <= value <= 6.0 for value in per_token)
    updates = doc._.trf_data.model_output["updates"]
    assert updates.shape == doc._.trf_data.wordpieces.input_ids.shape
    assert_same(annotate(nlp), annotate_in_fresh_process(trained, tmp_path))


def test_models_without_halting_report_no_updates(trained: Path) -> None:
    doc = spacy.load(trained)("history of asthma .")
    assert doc._.act_updates is None and doc[0]._.act_updates is None
