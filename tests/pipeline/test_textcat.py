"""spacy-minialbert.TextCatTransformerBOW.v1: the transformer's pooled vector and a bag of words,
summed before one softmax, both learning from the first update."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import spacy
from confection import Config
from spacy.training import Corpus

from tests.support.pipelines import (
    TINY_CONFIG,
    annotate,
    annotate_in_fresh_process,
    assert_same,
    train_tiny,
)


def _config(path: Path, exclusive: bool) -> Path:
    config = Config().from_disk(TINY_CONFIG, interpolate=False)
    textcat = config["components"]["textcat"]
    listener = textcat["model"]["tok2vec"]
    textcat["model"] = {
        "@architectures": "spacy-minialbert.TextCatTransformerBOW.v1",
        "exclusive_classes": exclusive,
        "ngram_size": 1,
        "length": 4096,
        "nO": None,
        "tok2vec": listener,
    }
    config.to_disk(path)
    return path


def _sparse_weights(nlp: spacy.Language) -> np.ndarray:
    model = nlp.get_pipe("textcat").model
    node = next(node for node in model.walk() if node.name == "sparse_linear")
    return np.asarray(node.get_param("W")).copy()


def test_both_parts_learn_and_the_pipeline_reloads(
    tmp_path: Path, corpus: dict, our_backbone: Path
) -> None:
    config = _config(tmp_path / "config.cfg", exclusive=True)
    nlp = spacy.load(train_tiny(tmp_path / "out", corpus, our_backbone, config=config))
    # spaCy's TextCatEnsemble.v2 leaves these at zero for exclusive classes (see the module).
    assert np.abs(_sparse_weights(nlp)).max() > 0
    doc = nlp("history of asthma , given antibiotics for pneumonia .")
    assert set(doc.cats) == {"CARDIO", "NEURO"}
    assert abs(sum(doc.cats.values()) - 1.0) < 1e-5  # one softmax over exclusive classes

    examples = list(Corpus(str(corpus["train"]))(nlp))[:8]
    before = _sparse_weights(nlp)
    hidden_before = annotate(nlp)[1][0].copy()
    optimizer = nlp.resume_training()
    for _ in range(2):  # as in test_training: the first step's learning rate may be zero
        nlp.update(examples, sgd=optimizer)
    assert not np.array_equal(before, _sparse_weights(nlp))
    assert not np.allclose(hidden_before, annotate(nlp)[1][0], atol=1e-6)

    here = annotate(nlp)
    nlp.to_disk(tmp_path / "saved")
    assert_same(here, annotate_in_fresh_process(tmp_path / "saved", tmp_path))


def test_multi_label_scores_each_class_on_its_own(
    tmp_path: Path, corpus: dict, our_backbone: Path
) -> None:
    config = Config().from_disk(
        _config(tmp_path / "config.cfg", exclusive=False), interpolate=False
    )
    config["components"]["textcat"]["factory"] = "textcat_multilabel"
    config["components"]["textcat"]["scorer"] = {"@scorers": "spacy.textcat_multilabel_scorer.v2"}
    config["paths"]["backbone"] = str(our_backbone)
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    nlp.initialize(lambda: list(Corpus(str(corpus["train"]))(nlp)))
    cats = nlp("history of asthma .").cats
    assert set(cats) == {"CARDIO", "NEURO"} and all(0.0 < v < 1.0 for v in cats.values())
