from __future__ import annotations

from pathlib import Path

import pytest

from spacy_minialbert.corpora import Account, conll_documents

from .conftest import entries


def _read(path: Path, account: Account, scheme: str) -> dict[str, list[tuple]]:
    return {
        record.doc_id: [
            (e.start, e.end, e.label, e.text, [c.reason for c in e.changes])
            for e in record.entities
        ]
        for record in conll_documents(path, account=account, scheme=scheme)
    }


def test_bio_documents_text_and_repairs(corpora: Path, account: Account) -> None:
    records = list(conll_documents(corpora / "conll" / "sample.conll", account=account))
    assert [(r.doc_id, r.text) for r in records] == [
        ("sample-1", "Patient denies chest pain .\nStarted on aspirin 81 mg daily ."),
        ("sample-2", "No fever or cough today ."),
    ]
    found = _read(corpora / "conll" / "sample.conll", Account("conll"), "bio")
    assert found["sample-1"] == [
        (15, 25, "problem", "chest pain", []),
        (39, 46, "treatment", "aspirin", ["I- tag without B-"]),  # I- after O
        (47, 52, "dose", "81 mg", []),
        (53, 58, "frequency", "daily", ["I- tag without B-"]),  # I- after another type
    ]
    assert found["sample-2"] == [(12, 17, "problem", "cough", [])]
    assert entries(account) == [
        ("line without a tag (read as O)", "sample.conll:23"),
        ("tag not of the bio scheme", "sample.conll:20"),
    ]


def test_iob1_allows_leading_i(corpora: Path, account: Account) -> None:
    found = _read(corpora / "conll" / "sample.conll", account, "iob1")
    assert [changes for *_, changes in found["sample-1"]] == [[], [], [], []]


def test_iobes(corpora: Path, account: Account) -> None:
    found = _read(corpora / "conll" / "sample.iobes", account, "iobes")
    assert found["sample-1"] == [
        (15, 25, "problem", "chest pain", []),
        (28, 33, "problem", "fever", []),
        (36, 47, "problem", "acute renal", ["entity not closed by E-"]),
        (60, 65, "problem", "cough", ["E- tag without B-"]),
        (66, 70, "problem", "rash", ["I- tag without B-", "entity not closed by E-"]),
        (73, 81, "problem", "headache", ["entity not closed by E-"]),  # a new sentence
    ]


def test_unknown_scheme(corpora: Path, account: Account) -> None:
    with pytest.raises(ValueError, match="scheme must be one of"):
        list(conll_documents(corpora / "conll", account=account, scheme="bilou"))
