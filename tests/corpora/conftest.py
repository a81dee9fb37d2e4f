"""Fixtures of the corpus converter tests: the synthetic corpora in ``tests/data/corpora`` and one
clinical pipeline shared by the session (building the tokenizer is the slow part)."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

from spacy_minialbert.clinical import clinical_nlp
from spacy_minialbert.corpora import Account

CORPORA = Path(__file__).parents[1] / "data" / "corpora"
ASSETS = Path(__file__).parents[2] / "assets"


@pytest.fixture(scope="session")
def corpora() -> Path:
    return CORPORA


@pytest.fixture(scope="session")
def nlp() -> Language:
    return clinical_nlp()


@pytest.fixture
def account() -> Account:
    return Account("test")


def entries(account: Account, action: str | None = None) -> list[tuple[str, str]]:
    """(reason, "file:line") of the account's entries (of one action), file names only."""
    found = []
    for entry in account.entries:
        if action is None or entry.action == action:
            found.append((entry.reason, f"{Path(entry.file).name}:{entry.line}"))
    return found
