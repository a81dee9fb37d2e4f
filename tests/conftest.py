"""Shared fixtures. Tests run offline: nothing may reach a model hub."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

DATA = Path(__file__).parent / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


def write_vocab(path: Path, size: int) -> Path:
    """The first ``size`` entries of the toy WordPiece vocabulary (special tokens first)."""
    entries = (DATA / "tiny" / "vocab.txt").read_text().split()[:size]
    assert len(entries) == size
    path.write_text("\n".join(entries) + "\n")
    return path


@pytest.fixture(scope="session")
def published_backbone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny checkpoint exactly as the nlpie checkpoints are published (model_type "bert",
    albert.albert.* keys, pickled and safetensors weights) plus a 100-entry WordPiece vocab."""
    import shutil

    target = tmp_path_factory.mktemp("published") / "tiny-nlpie"
    shutil.copytree(DATA / "conformance" / "tiny_minialbert", target)
    write_vocab(target / "vocab.txt", 100)
    return target


# The reference outputs of tests/data/conformance: the modeling and hf tests check against them.
@pytest.fixture(scope="session")
def conformance_dir(data_dir: Path) -> Path:
    return data_dir / "conformance"


@pytest.fixture(scope="session")
def expected(conformance_dir: Path) -> dict[str, Any]:
    return json.loads((conformance_dir / "expected.json").read_text())


@pytest.fixture(scope="session")
def inputs(expected: dict[str, Any]) -> dict[str, torch.Tensor]:
    import torch

    return {key: torch.tensor(value) for key, value in expected["inputs"].items()}


SENTENCES = [
    "the patient denies chest pain and reports mild dyspnea .",
    "history of diabetes mellitus and hypertension , given metformin daily .",
    "no fever . mri brain showed a lesion , treated with antibiotics for pneumonia .",
    "family history : mother with breast cancer , father with heart disease .",
    "admitted to hospital with renal failure , discharged home on aspirin .",
]


@pytest.fixture(scope="session")
def sentencepiece_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny SentencePiece model, as ALBERT checkpoints ship (spiece.model)."""
    import sentencepiece

    directory = tmp_path_factory.mktemp("spiece")
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(SENTENCES * 20),
        model_prefix=str(directory / "spiece"),
        vocab_size=80, model_type="unigram", character_coverage=1.0,
        pad_id=0, unk_id=1, bos_id=-1, eos_id=-1,
        control_symbols=["[CLS]", "[SEP]", "[MASK]"], minloglevel=2,
    )  # fmt: skip
    return directory / "spiece.model"


@pytest.fixture(scope="session")
def albert_checkpoint(tmp_path_factory: pytest.TempPathFactory, sentencepiece_model: Path):
    """Factory: a random Hugging Face `AlbertModel` (E=16 != H=32) with its SentencePiece
    tokenizer, saved as a hub checkpoint would be."""
    import torch
    from transformers import AlbertConfig, AlbertModel, AlbertTokenizerFast

    made: dict[str, Path] = {}

    def make(activation: str = "gelu_new") -> Path:
        if activation not in made:
            target = tmp_path_factory.mktemp("albert") / f"albert-{activation}"
            tokenizer = AlbertTokenizerFast(vocab_file=str(sentencepiece_model))
            config = AlbertConfig(
                vocab_size=len(tokenizer), embedding_size=16, hidden_size=32,
                num_hidden_layers=3, num_attention_heads=2, intermediate_size=64,
                hidden_act=activation, max_position_embeddings=64,
            )  # fmt: skip
            torch.manual_seed(0)
            model = AlbertModel(config)
            with torch.no_grad():
                # Weights large enough that the two GELUs differ well above 1e-5 (with the
                # default 0.02 they agree to 1e-7), non-trivial LayerNorm affines and biases.
                for name, parameter in model.named_parameters():
                    if parameter.ndim == 2 and "embeddings" not in name:
                        parameter.normal_(0.0, 0.3)
                    elif "LayerNorm" in name or name.endswith("bias"):
                        parameter.add_(0.1 * torch.randn_like(parameter))
            model.save_pretrained(target)
            tokenizer.save_pretrained(target)
            made[activation] = target
        return made[activation]

    return make


# The tiny clinical pipeline trained with `spacy train` on synthetic notes (its ner finds the
# mentions the tests check), and the same pipeline composed with medspaCy. Session fixtures here
# at the root, so annotate, Spark, service and OMOP tests share one build.
NOTES_CONFIG = DATA / "notes" / "ner_textcat.cfg"


@pytest.fixture(scope="session")
def notes_backbone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny MiniALBERT (hidden 32, 64 positions) with the toy vocabulary."""
    from tests.support.pipelines import build_tiny_backbone

    return build_tiny_backbone(tmp_path_factory.mktemp("notes-backbone") / "tiny-minialbert")


@pytest.fixture(scope="session")
def notes_pipeline(tmp_path_factory: pytest.TempPathFactory, notes_backbone: Path) -> Path:
    """transformer + ner + textcat with the clinical tokenizer, trained for 30 steps."""
    from spacy.cli.train import train

    from spacy_minialbert.clinical import clinical_nlp
    from tests.support.synthetic_notes import synthetic_docbin

    directory = tmp_path_factory.mktemp("notes-pipeline")
    nlp = clinical_nlp()
    synthetic_docbin(nlp, 120, seed=0).to_disk(directory / "train.spacy")
    synthetic_docbin(nlp, 20, seed=1).to_disk(directory / "dev.spacy")
    train(
        NOTES_CONFIG,
        directory / "training",
        overrides={
            "paths.train": str(directory / "train.spacy"),
            "paths.dev": str(directory / "dev.spacy"),
            "paths.backbone": str(notes_backbone),
        },
    )
    return directory / "training" / "model-last"


@pytest.fixture(scope="session")
def composed_pipeline(tmp_path_factory: pytest.TempPathFactory, notes_pipeline: Path) -> Path:
    """The trained pipeline with sentences, sectionizer and ConText, saved."""
    import spacy

    from spacy_minialbert.medical import add_clinical_context

    nlp = spacy.load(notes_pipeline)
    add_clinical_context(nlp)
    target = tmp_path_factory.mktemp("composed") / "pipeline"
    nlp.to_disk(target)
    return target


# The tiny PROBLEM/TREATMENT pipeline of tests/support/pipelines.py: each `spacy train` run happens
# once per session, shared by the pipeline, compression and evaluation tests.
@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from tests.support.pipelines import synthetic_docbin

    directory = tmp_path_factory.mktemp("corpus")
    paths = {"train": directory / "train.spacy", "dev": directory / "dev.spacy"}
    synthetic_docbin(40, seed=0).to_disk(paths["train"])
    synthetic_docbin(10, seed=1).to_disk(paths["dev"])
    return paths


@pytest.fixture(scope="session")
def our_backbone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny MiniALBERT in our format, with the toy vocabulary."""
    from tests.support.pipelines import build_tiny_backbone

    return build_tiny_backbone(tmp_path_factory.mktemp("backbone") / "tiny-minialbert")


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory, corpus: dict, our_backbone: Path) -> Path:
    from tests.support.pipelines import train_tiny

    return train_tiny(tmp_path_factory.mktemp("trained"), corpus, our_backbone)


@pytest.fixture(scope="session")
def trained_adapters_only(
    tmp_path_factory: pytest.TempPathFactory, corpus: dict, our_backbone: Path
) -> Path:
    from tests.support.pipelines import train_tiny

    return train_tiny(
        tmp_path_factory.mktemp("adapters"),
        corpus,
        our_backbone,
        **{"components.transformer.model.adapters_only": True},
    )
