"""`spacy train` with the MiniALBERT architecture, save, and load in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import spacy
import torch
from conftest import TEXTS, train_tiny
from safetensors.torch import load_file

# Run in a fresh interpreter that never imports spacy_minialbert itself: spaCy must find the
# architecture through the entry point, offline.
FRESH_PROCESS_SCRIPT = """
import json, sys
import numpy as np
import spacy
nlp = spacy.load(sys.argv[1])
docs = list(nlp.pipe(json.loads(sys.argv[2])))
out = {
    "ents": [[[e.start_char, e.end_char, e.label_] for e in d.ents] for d in docs],
    "cats": [d.cats for d in docs],
}
np.savez(sys.argv[3], *[d._.trf_data.model_output.last_hidden_state for d in docs])
print(json.dumps(out))
"""


def annotate_in_fresh_process(path: Path, tmp_path: Path) -> tuple[dict, list[np.ndarray]]:
    tensors = tmp_path / "tensors.npz"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS_SCRIPT, str(path), json.dumps(TEXTS), str(tensors)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    arrays = np.load(tensors)
    return json.loads(result.stdout.strip().splitlines()[-1]), [arrays[k] for k in arrays.files]


def annotate(nlp: spacy.Language) -> tuple[dict, list[np.ndarray]]:
    docs = list(nlp.pipe(TEXTS))
    return (
        {
            "ents": [[[e.start_char, e.end_char, e.label_] for e in d.ents] for d in docs],
            "cats": [d.cats for d in docs],
        },
        [d._.trf_data.model_output.last_hidden_state for d in docs],
    )


def assert_same(a: tuple[dict, list[np.ndarray]], b: tuple[dict, list[np.ndarray]]) -> None:
    assert a[0]["ents"] == b[0]["ents"]
    for cats_a, cats_b in zip(a[0]["cats"], b[0]["cats"]):
        assert cats_a.keys() == cats_b.keys()
        assert all(abs(cats_a[k] - cats_b[k]) < 1e-6 for k in cats_a)
    assert len(a[1]) == len(b[1])
    for x, y in zip(a[1], b[1]):
        np.testing.assert_allclose(x, y, atol=1e-6)


def test_trained_pipeline_reloads_identically_in_a_fresh_process(
    trained: Path, tmp_path: Path
) -> None:
    nlp = spacy.load(trained)
    assert nlp.pipe_names == ["transformer", "ner", "textcat"]
    here = annotate(nlp)
    nlp.to_disk(tmp_path / "saved")
    assert_same(here, annotate_in_fresh_process(tmp_path / "saved", tmp_path))
    assert here[1][0].shape[-1] == 32


def test_replace_listeners_then_save_and_load(trained: Path, tmp_path: Path) -> None:
    nlp = spacy.load(trained)
    before = annotate(nlp)
    for pipe in ("ner", "textcat"):
        nlp.replace_listeners("transformer", pipe, ["model.tok2vec"])
    tok2vec = nlp.get_pipe_config("ner")["model"]["tok2vec"]
    assert tok2vec["@architectures"] == "spacy-minialbert.MiniAlbertTok2Vec.v1"
    nlp.to_disk(tmp_path / "replaced")
    assert_same(before, annotate_in_fresh_process(tmp_path / "replaced", tmp_path))


def transformer_state(path: Path) -> dict[str, torch.Tensor]:
    model = spacy.load(path).get_pipe("transformer").model.transformer
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def is_adapter(key: str) -> bool:
    return key.startswith(("encoder.attention_adapters.", "encoder.ffn_adapters."))


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


def test_published_backbone_trains(
    tmp_path: Path, corpus: dict, published_backbone: Path
) -> None:
    path = train_tiny(tmp_path / "published", corpus, published_backbone)
    nlp = spacy.load(path)
    config = nlp.get_pipe("transformer").model.transformer.config
    assert config.model_type == "minialbert" and config.embedding_size == 16
    assert nlp("history of asthma .")._.trf_data.model_output.last_hidden_state.shape[-1] == 32


def test_name_or_backbone_is_required() -> None:
    from spacy_minialbert.pipeline import build_minialbert_transformer_v1, fresh_backbone_v1

    spans = spacy.registry.span_getters.get("spacy-transformers.strided_spans.v1")(16, 12)
    with pytest.raises(ValueError, match="exactly one of `name`.*neither was given"):
        build_minialbert_transformer_v1(spans)
    with pytest.raises(ValueError, match="both were given"):
        build_minialbert_transformer_v1(spans, name="x", backbone=fresh_backbone_v1("vocab.txt"))
