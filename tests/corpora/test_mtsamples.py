from __future__ import annotations

from pathlib import Path

import pytest

from spacy_minialbert.corpora import Account, mtsamples_documents

from .conftest import ASSETS, entries


def test_identical_texts_become_one_multilabel_document(corpora: Path, account: Account) -> None:
    records = list(mtsamples_documents(corpora / "mtsamples" / "mtsamples.csv", account=account))
    assert [(r.doc_id, r.meta["note_ids"]) for r in records] == [
        ("mtsamples-1", "1,2,5"),  # note 5 differs only by trailing spaces
        ("mtsamples-3", "3,6"),
    ]
    knee, cough = records
    assert knee.cats == {
        "General Medicine": 0.0,
        "Office Notes": 0.0,
        "Orthopedic": 1.0,
        "Surgery": 1.0,
    }
    assert cough.cats == {
        "General Medicine": 1.0,
        "Office Notes": 1.0,
        "Orthopedic": 0.0,
        "Surgery": 0.0,
    }
    assert knee.group and knee.group != cough.group
    assert knee.text.endswith("The patient tolerated the procedure well.")  # kept whole
    assert entries(account) == [("empty transcription", "mtsamples.csv:5")]
    assert account.documents_merged == {"identical transcription": 3}


def test_full_mtsamples_counts() -> None:
    path = ASSETS / "mtsamples" / "mtsamples.csv"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    account = Account("mtsamples")
    records = list(mtsamples_documents(path, account=account))
    assert len(records) == 2357
    assert account.documents_excluded == {"empty transcription": 33}
    assert len(records) + sum(account.documents_merged.values()) + 33 == 4999
    assert len({r.group for r in records}) == 2357
    assert len(records[0].cats) == 40


def test_selected_specialties_become_exclusive_classes(corpora: Path, account: Account) -> None:
    path = corpora / "mtsamples" / "mtsamples.csv"
    records = list(mtsamples_documents(path, account=account, categories=["Orthopedic"]))
    assert [(r.doc_id, r.cats) for r in records] == [("mtsamples-1", {"Orthopedic": 1.0})]
    assert account.documents_excluded["specialty not selected"] == 1  # counted, not itemised
    assert "specialty not selected" not in [reason for reason, _ in entries(account)]


def test_a_note_under_several_selected_specialties_is_excluded_by_name(
    corpora: Path, account: Account
) -> None:
    path = corpora / "mtsamples" / "mtsamples.csv"
    chosen = ["Orthopedic", "Surgery", "General Medicine"]
    records = list(mtsamples_documents(path, account=account, categories=chosen))
    assert [(r.doc_id, r.cats) for r in records] == [
        ("mtsamples-3", {"Orthopedic": 0.0, "Surgery": 0.0, "General Medicine": 1.0})
    ]
    assert "several selected specialties" in [reason for reason, _ in entries(account)]


def test_an_unknown_specialty_is_refused_with_the_known_ones(
    corpora: Path, account: Account
) -> None:
    path = corpora / "mtsamples" / "mtsamples.csv"
    with pytest.raises(ValueError, match=r"\['Cardiology'\]; known: General Medicine"):
        list(mtsamples_documents(path, account=account, categories=["Cardiology"]))


def test_full_mtsamples_demo_specialties() -> None:
    path = ASSETS / "mtsamples" / "mtsamples.csv"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    account = Account("mtsamples")
    chosen = [
        "Cardiovascular / Pulmonary", "Orthopedic", "Gastroenterology", "Neurology", "Urology",
        "Obstetrics / Gynecology",
    ]  # fmt: skip
    records = list(mtsamples_documents(path, account=account, categories=chosen))
    assert len(records) == 1386
    assert all(sum(r.cats.values()) == 1.0 for r in records)
    assert account.documents_excluded["several selected specialties"] == 49
    assert len(records) + account.documents_excluded["specialty not selected"] + 49 == 2357
