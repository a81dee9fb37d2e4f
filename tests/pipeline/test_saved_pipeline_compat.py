"""Pipelines saved by spacy-minialbert 0.1.0 load with ``spacy.load`` and give the same outputs.

The pipelines under ``tests/data/saved_*_v0_1/`` were written by
``tests/pipeline/make_saved_pipelines.py`` with 0.1.0 and are never regenerated: they pin the
saved format. Each holds the outputs 0.1.0 computed from it (``expected.json``, ``expected.npz``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import spacy
import srsly

from tests.pipeline.make_saved_pipelines import TEXTS, outputs, set_reduce_range

DATA = Path(__file__).parent.parent / "data"
SAVED = ["saved_pipeline_v0_1", "saved_pipeline_tok2vec_v0_1", "saved_pipeline_int8_v0_1"]


def stored_formats(path: Path) -> list[str]:
    """The ``format`` of every MiniALBERT message in a saved pipeline's components."""
    found = []
    for model_file in sorted(path.glob("*/model")):
        model = srsly.msgpack_loads(model_file.read_bytes())
        for node_shims in model["shims"]:
            for shim_bytes in node_shims:
                msg = srsly.msgpack_loads(shim_bytes)
                if isinstance(msg, dict) and "format" in msg:
                    found.append(msg["format"])
    return found


def load(path: Path, expected: dict[str, Any]) -> spacy.Language:
    nlp = spacy.load(path)
    if expected["int8_reduce_range"]:
        assert set_reduce_range(nlp, True) > 0
    return nlp


def assert_outputs(nlp: spacy.Language, path: Path, expected: dict[str, Any]) -> None:
    assert expected["texts"] == TEXTS  # the outputs below are of these texts
    found, hidden = outputs(nlp)
    assert found["ents"] == expected["ents"]
    assert found["truncated_tokens"] == expected["truncated_tokens"]
    for cats, want in zip(found["cats"], expected["cats"], strict=True):
        assert cats.keys() == want.keys()
        # Scores are float32 sigmoids/softmaxes: equal up to the last bits a different CPU's
        # kernels may round differently.
        assert cats == pytest.approx(want, abs=1e-6)
    stored = np.load(path / "expected.npz")
    assert len(hidden) == len(stored.files)
    for array, key in zip(hidden, stored.files, strict=True):
        np.testing.assert_allclose(array, stored[key], atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", SAVED)
def test_a_pipeline_saved_by_0_1_loads_with_the_same_outputs(name: str) -> None:
    path = DATA / name
    expected = json.loads((path / "expected.json").read_text())
    assert_outputs(load(path, expected), path, expected)


@pytest.mark.parametrize("name", SAVED)
def test_a_pipeline_saved_by_0_1_and_saved_again_keeps_its_outputs(
    name: str, tmp_path: Path
) -> None:
    path = DATA / name
    expected = json.loads((path / "expected.json").read_text())
    spacy.load(path).to_disk(tmp_path / "again")
    assert stored_formats(tmp_path / "again") == stored_formats(path)
    assert_outputs(load(tmp_path / "again", expected), path, expected)


def test_the_saved_pipelines_cover_both_formats_and_both_architectures() -> None:
    assert stored_formats(DATA / "saved_pipeline_v0_1") == ["spacy-minialbert/1"]
    assert stored_formats(DATA / "saved_pipeline_int8_v0_1") == ["spacy-minialbert/2"]
    # ner's own copy of the transformer, and the shared one textcat listens to.
    assert stored_formats(DATA / "saved_pipeline_tok2vec_v0_1") == ["spacy-minialbert/1"] * 2
    config = spacy.load(DATA / "saved_pipeline_tok2vec_v0_1").get_pipe_config("ner")
    assert config["model"]["tok2vec"]["@architectures"] == "spacy-minialbert.MiniAlbertTok2Vec.v1"
