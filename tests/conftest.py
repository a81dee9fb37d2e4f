"""Shared fixtures. Tests run offline: nothing may reach a model hub."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
