"""Shared, session-scoped pipelines: each tiny `spacy train` run happens once per test session."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

from spacy_minialbert import MiniAlbertConfig, MiniAlbertModel

TINY_CONFIG = Path(__file__).parent.parent / "data" / "tiny" / "ner_textcat.cfg"
PROBLEMS = ["chest pain", "dyspnea", "diabetes mellitus", "hypertension", "asthma", "pneumonia"]
TREATMENTS = ["aspirin", "metformin", "antibiotics"]
TEXTS = [
    "the patient has chest pain and was given aspirin daily .",
    "no fever . mri brain showed lesion , treated with metformin for stroke .",
    "history of asthma , given antibiotics for pneumonia .",
]


def synthetic_docbin(n: int, seed: int) -> DocBin:
    """Sentences with PROBLEM/TREATMENT entities and exclusive CARDIO/NEURO categories."""
    nlp = spacy.blank("en")
    rng = random.Random(seed)
    docbin = DocBin()
    for _ in range(n):
        problem, treatment = rng.choice(PROBLEMS), rng.choice(TREATMENTS)
        cardio = rng.random() < 0.5
        text = (
            f"the patient has {problem} and was given {treatment} daily ."
            if cardio
            else f"no fever . mri brain showed lesion , treated with {treatment} for {problem} ."
        )
        doc = nlp(text)
        spans = []
        for phrase, label in ((problem, "PROBLEM"), (treatment, "TREATMENT")):
            start = text.index(phrase)
            spans.append(doc.char_span(start, start + len(phrase), label=label))
        doc.ents = sorted(spans, key=lambda span: span.start)
        doc.cats = {"CARDIO": float(cardio), "NEURO": float(not cardio)}
        docbin.add(doc)
    return docbin


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("corpus")
    paths = {"train": directory / "train.spacy", "dev": directory / "dev.spacy"}
    synthetic_docbin(40, seed=0).to_disk(paths["train"])
    synthetic_docbin(10, seed=1).to_disk(paths["dev"])
    return paths


@pytest.fixture(scope="session")
def our_backbone(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A tiny MiniALBERT in our format, with the toy vocabulary."""
    from transformers import BertTokenizerFast

    target = tmp_path_factory.mktemp("backbone") / "tiny-minialbert"
    tokenizer = BertTokenizerFast(vocab_file=str(data_dir / "tiny" / "vocab.txt"))
    config = MiniAlbertConfig(
        vocab_size=len(tokenizer), embedding_size=16, hidden_size=32, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=64, reduction_factor=4,
        max_position_embeddings=64,
    )  # fmt: skip
    MiniAlbertModel(config).save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


def train_tiny(output: Path, corpus: dict[str, Path], backbone: Path, **overrides: object) -> Path:
    """`spacy train` on the tiny config, in process; returns model-last."""
    from spacy.cli.train import train

    train(
        TINY_CONFIG,
        output,
        overrides={
            "paths.train": str(corpus["train"]),
            "paths.dev": str(corpus["dev"]),
            "paths.backbone": str(backbone),
            **overrides,
        },
    )
    return output / "model-last"


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory, corpus: dict, our_backbone: Path) -> Path:
    return train_tiny(tmp_path_factory.mktemp("trained"), corpus, our_backbone)


@pytest.fixture(scope="session")
def trained_adapters_only(
    tmp_path_factory: pytest.TempPathFactory, corpus: dict, our_backbone: Path
) -> Path:
    return train_tiny(
        tmp_path_factory.mktemp("adapters"),
        corpus,
        our_backbone,
        **{"components.transformer.model.adapters_only": True},
    )
