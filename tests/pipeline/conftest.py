"""Shared, session-scoped pipelines: each tiny `spacy train` run happens once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.pipelines import build_tiny_backbone, synthetic_docbin, train_tiny


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("corpus")
    paths = {"train": directory / "train.spacy", "dev": directory / "dev.spacy"}
    synthetic_docbin(40, seed=0).to_disk(paths["train"])
    synthetic_docbin(10, seed=1).to_disk(paths["dev"])
    return paths


@pytest.fixture(scope="session")
def our_backbone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny MiniALBERT in our format, with the toy vocabulary."""
    return build_tiny_backbone(tmp_path_factory.mktemp("backbone") / "tiny-minialbert")


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
