"""Every shipped spaCy config loads, resolves, initialises and runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.schemas import ConfigSchemaTraining
from spacy.training import Corpus
from spacy.util import load_config, load_model_from_config, registry

CONFIGS = sorted((Path(__file__).parents[2] / "configs").glob("*.cfg"))
BASELINES = sorted((Path(__file__).parents[2] / "configs" / "baselines").glob("*.cfg"))


def test_the_shipped_configs_are_all_here() -> None:
    names = {path.stem for path in CONFIGS}
    assert {"ner", "textcat", "textcat_multilabel", "ner_textcat"} <= names
    assert {path.stem for path in BASELINES} == {"ner_cnn", "ner_hf_transformer", "textcat_bow"}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda path: path.stem)
def test_config_resolves_and_initialises(
    path: Path, corpus: dict, our_backbone: Path, trained: Path
) -> None:
    overrides = {
        "paths.train": str(corpus["train"]),
        "paths.dev": str(corpus["dev"]),
        "paths.backbone": str(our_backbone),
    }
    if path.stem == "demo_textcat":  # stage 2 of the demo sources stage 1's transformer and ner
        overrides["paths.ner_pipeline"] = str(trained)
    # interpolate: as `spacy train` does before building the pipeline
    config = load_config(path, overrides=overrides, interpolate=True)
    assert config["paths"]["backbone"] == str(our_backbone)
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    assert nlp.pipe_names[0] == "transformer"
    assert type(nlp.tokenizer).__module__.startswith("spacy_minialbert")
    training = registry.resolve(nlp.config["training"], schema=ConfigSchemaTraining)
    assert training["max_steps"] > 0
    examples = list(Corpus(corpus["train"])(nlp))
    nlp.initialize(lambda: examples)
    doc = nlp("history of asthma , given antibiotics for pneumonia .")
    assert doc._.trf_data.model_output.last_hidden_state.shape[-1] == 32
    if "ner" in nlp.pipe_names:
        assert set(nlp.get_pipe("ner").labels) == {"PROBLEM", "TREATMENT"}
    for name in ("textcat", "textcat_multilabel"):
        if name in nlp.pipe_names:
            assert set(doc.cats) == {"CARDIO", "NEURO"}


@pytest.fixture(scope="module")
def hf_bert(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A tiny Hugging Face BERT with the toy vocabulary (what stock spacy-transformers loads)."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    target = tmp_path_factory.mktemp("bert") / "tiny-bert"
    tokenizer = BertTokenizerFast(vocab_file=str(data_dir / "tiny" / "vocab.txt"))
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64,
    )  # fmt: skip
    BertModel(config).save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


@pytest.mark.parametrize("path", BASELINES, ids=lambda path: path.stem)
def test_baseline_config_resolves_and_initialises(path: Path, corpus: dict, hf_bert: Path) -> None:
    overrides = {"paths.train": str(corpus["train"]), "paths.dev": str(corpus["dev"])}
    if path.stem == "ner_hf_transformer":
        overrides["paths.backbone"] = str(hf_bert)
    config = load_config(path, overrides=overrides, interpolate=True)
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    registry.resolve(nlp.config["training"], schema=ConfigSchemaTraining)
    examples = list(Corpus(corpus["train"])(nlp))
    nlp.initialize(lambda: examples)
    doc = nlp("history of asthma , given antibiotics for pneumonia .")
    if "ner" in nlp.pipe_names:
        assert set(nlp.get_pipe("ner").labels) == {"PROBLEM", "TREATMENT"}
    else:  # the bag-of-words classifier the demo compares its textcat with
        assert nlp.pipe_names == ["textcat"] and set(doc.cats) == {"CARDIO", "NEURO"}
