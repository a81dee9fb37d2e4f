"""spacy-minialbert.TransformerWithFeatures.v1: ner reads the transformer listener and spaCy's
subword features side by side, while textcat listens to the same transformer."""

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

FEATURES = {
    "@architectures": "spacy.Tok2Vec.v2",
    "embed": {
        "@architectures": "spacy.MultiHashEmbed.v2",
        "width": 16,
        "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
        "rows": [500, 100, 250, 250],
        "include_static_vectors": False,
    },
    "encode": {
        "@architectures": "spacy.MaxoutWindowEncoder.v2",
        "width": 16,
        "depth": 1,
        "window_size": 1,
        "maxout_pieces": 2,
    },
}


def _config(path: Path) -> Path:
    config = Config().from_disk(TINY_CONFIG, interpolate=False)
    listener = config["components"]["ner"]["model"]["tok2vec"]
    config["components"]["ner"]["model"]["tok2vec"] = {
        "@architectures": "spacy-minialbert.TransformerWithFeatures.v1",
        "transformer": listener,
        "features": FEATURES,
    }
    config.to_disk(path)
    return path


def test_ner_with_features_trains_beside_a_second_listener_and_reloads(
    tmp_path: Path, corpus: dict, our_backbone: Path
) -> None:
    config = _config(tmp_path / "config.cfg")
    nlp = spacy.load(train_tiny(tmp_path / "out", corpus, our_backbone, config=config))
    tok2vec = nlp.get_pipe("ner").model.get_ref("tok2vec")
    combined = next(node for node in tok2vec.walk() if node.name == "transformer_with_features")
    transformer_width = nlp.get_pipe("transformer").model.transformer.config.hidden_size
    assert combined.get_dim("nO") == transformer_width + 16

    # Both parts learn: an update changes the feature embeddings and the transformer.
    examples = list(Corpus(str(corpus["train"]))(nlp))[:8]
    embed_before = [p.copy() for p in _params(combined.layers[1])]
    hidden_before = annotate(nlp)[1][0].copy()
    optimizer = nlp.resume_training()
    losses: dict[str, float] = {}
    for _ in range(2):  # as in test_training: the first step's learning rate may be zero
        nlp.update(examples, sgd=optimizer, losses=losses)
    assert losses["ner"] > 0 and losses["textcat"] > 0
    embed_after = _params(combined.layers[1])
    assert any(not np.array_equal(a, b) for a, b in zip(embed_before, embed_after, strict=True))
    assert not np.allclose(hidden_before, annotate(nlp)[1][0], atol=1e-6)

    here = annotate(nlp)
    nlp.to_disk(tmp_path / "saved")
    assert_same(here, annotate_in_fresh_process(tmp_path / "saved", tmp_path))


def _params(model: spacy.Language) -> list[np.ndarray]:
    return [
        np.asarray(node.get_param(name))
        for node in model.walk()
        for name in node.param_names
        if node.has_param(name)
    ]
