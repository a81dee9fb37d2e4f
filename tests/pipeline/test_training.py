"""`spacy train` with the MiniALBERT architecture, save, and load in a fresh process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import spacy
import torch
from safetensors.torch import load_file
from spacy.training import Corpus

from tests.support.pipelines import (
    annotate,
    annotate_in_fresh_process,
    assert_same,
    is_adapter,
    train_tiny,
    transformer_state,
)


def test_trained_pipeline_reloads_identically_in_a_fresh_process(
    trained: Path, tmp_path: Path
) -> None:
    nlp = spacy.load(trained)
    assert nlp.pipe_names == ["transformer", "ner", "textcat"]
    here = annotate(nlp)
    nlp.to_disk(tmp_path / "saved")
    assert_same(here, annotate_in_fresh_process(tmp_path / "saved", tmp_path))
    assert here[1][0].shape[-1] == 32


def test_predictions_between_updates_use_the_updated_weights(
    trained: Path, corpus: dict, tmp_path: Path
) -> None:
    """``spacy train`` predicts between updates (dev scores, ``model-best``), and thinc writes
    the updates through ``.data``, invisibly to PyTorch: the prediction after an update must
    equal that of the same weights saved and loaded."""
    nlp = spacy.load(trained)
    before = annotate(nlp)  # derives the fast path's weights from the loaded ones
    examples = list(Corpus(str(corpus["train"]))(nlp))[:8]
    optimizer = nlp.resume_training()
    for _ in range(2):
        nlp.update(examples, sgd=optimizer)
    in_memory = annotate(nlp)
    assert not np.allclose(before[1][0], in_memory[1][0], atol=1e-4)
    nlp.to_disk(tmp_path / "updated")
    assert_same(in_memory, annotate(spacy.load(tmp_path / "updated")))


def test_replace_listeners_then_save_and_load(trained: Path, tmp_path: Path) -> None:
    nlp = spacy.load(trained)
    before = annotate(nlp)
    for pipe in ("ner", "textcat"):
        nlp.replace_listeners("transformer", pipe, ["model.tok2vec"])
    tok2vec = nlp.get_pipe_config("ner")["model"]["tok2vec"]
    assert tok2vec["@architectures"] == "spacy-minialbert.MiniAlbertTok2Vec.v1"
    nlp.to_disk(tmp_path / "replaced")
    assert_same(before, annotate_in_fresh_process(tmp_path / "replaced", tmp_path))


def test_adapters_only_changes_only_adapter_tensors(
    trained_adapters_only: Path, our_backbone: Path
) -> None:
    before = load_file(our_backbone / "model.safetensors")
    after = transformer_state(trained_adapters_only)
    assert before.keys() == after.keys()
    frozen = [k for k in before if not is_adapter(k)]
    adapters = [k for k in before if is_adapter(k)]
    assert frozen and adapters
    changed_frozen = [k for k in frozen if not torch.equal(before[k], after[k])]
    assert changed_frozen == []
    changed_adapters = [k for k in adapters if not torch.equal(before[k], after[k])]
    assert len(changed_adapters) == len(adapters)


def test_full_training_changes_the_shared_layer_too(trained: Path, our_backbone: Path) -> None:
    # The control for the test above: without adapters_only, the rest moves as well.
    before = load_file(our_backbone / "model.safetensors")
    after = transformer_state(trained)
    assert not torch.equal(
        before["encoder.layer.ffn.intermediate.weight"],
        after["encoder.layer.ffn.intermediate.weight"],
    )


def test_adapters_only_survives_save_and_load(trained_adapters_only: Path) -> None:
    model = spacy.load(trained_adapters_only).get_pipe("transformer").model.transformer
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(is_adapter(name) for name in trainable)


def test_published_backbone_trains(tmp_path: Path, corpus: dict, published_backbone: Path) -> None:
    path = train_tiny(tmp_path / "published", corpus, published_backbone)
    nlp = spacy.load(path)
    config = nlp.get_pipe("transformer").model.transformer.config
    assert config.model_type == "minialbert" and config.embedding_size == 16
    assert nlp("history of asthma .")._.trf_data.model_output.last_hidden_state.shape[-1] == 32


def test_name_or_backbone_is_required() -> None:
    from spacy_minialbert.pipeline import build_minialbert_transformer_v1, fresh_backbone_v1

    spans = spacy.registry.span_getters.get("spacy-transformers.strided_spans.v1")(16, 12)
    with pytest.raises(ValueError, match=r"exactly one of `name`.*neither was given"):
        build_minialbert_transformer_v1(spans)
    with pytest.raises(ValueError, match="both were given"):
        build_minialbert_transformer_v1(spans, name="x", backbone=fresh_backbone_v1("vocab.txt"))
