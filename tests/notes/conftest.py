"""Session fixtures: a tiny clinical pipeline trained with `spacy train` on synthetic notes (its
ner finds the mentions the tests check), and the same pipeline composed with medspaCy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.notes.synthetic import synthetic_docbin
from tests.support.pipelines import build_tiny_backbone

CONFIG = Path(__file__).parent.parent / "data" / "notes" / "ner_textcat.cfg"


@pytest.fixture(scope="session")
def notes_backbone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny MiniALBERT (hidden 32, 64 positions) with the toy vocabulary."""
    return build_tiny_backbone(tmp_path_factory.mktemp("notes-backbone") / "tiny-minialbert")


@pytest.fixture(scope="session")
def notes_pipeline(tmp_path_factory: pytest.TempPathFactory, notes_backbone: Path) -> Path:
    """transformer + ner + textcat with the clinical tokenizer, trained for 30 steps."""
    from spacy.cli.train import train

    from spacy_minialbert.clinical import clinical_nlp

    directory = tmp_path_factory.mktemp("notes-pipeline")
    nlp = clinical_nlp()
    synthetic_docbin(nlp, 120, seed=0).to_disk(directory / "train.spacy")
    synthetic_docbin(nlp, 20, seed=1).to_disk(directory / "dev.spacy")
    train(
        CONFIG,
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
