from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

from spacy_minialbert.corpora import Account, i2b2_2012_documents, record_to_doc

from .conftest import entries


def _entities(corpora: Path, account: Account, **options: object) -> dict[str, list[tuple]]:
    return {
        record.doc_id: [
            (e.start, e.end, e.label, record.text[e.start : e.end]) for e in record.entities
        ]
        for record in i2b2_2012_documents(corpora / "i2b2-2012", account=account, **options)  # type: ignore[arg-type]
    }


def test_events_by_type_from_cdata(corpora: Path, account: Account) -> None:
    found = _entities(corpora, account)
    assert found["record-1"] == [
        (71, 88, "PROBLEM", "nausea & vomiting"),  # raw "&" in the text attribute
        (101, 113, "TREATMENT", "chemotherapy"),
        (130, 158, "TREATMENT", "Zofran &apos;as needed&apos;"),  # literal in the CDATA text
        (163, 174, "TEST", "her CT scan"),
        (190, 199, "OCCURRENCE", "Follow up"),  # empty type: labelled OCCURRENCE
        (203, 209, "CLINICAL_DEPT", "clinic"),  # offsets 2 too far: relocated
        (57, 70, "OCCURRENCE", "The patient's"),  # &apos; in the attribute
    ]
    # Without CDATA the text is decoded, so the offsets count "&amp;" as one character.
    assert found["record-2"] == [
        (0, 12, "PROBLEM", "Pain & fever"),
        (24, 31, "TREATMENT", "Tylenol"),
    ]


def test_recoveries_and_losses_are_reported(corpora: Path, account: Account, nlp: Language) -> None:
    for record in i2b2_2012_documents(corpora / "i2b2-2012", account=account):
        record_to_doc(record, nlp.make_doc, account)
    assert entries(account) == [
        # Reading: recoveries (notes) and mentions that cannot be placed (dropped).
        ("raw '&' in XML (kept as '&')", "record-1.xml:12"),
        ("text mismatch", "record-1.xml:19"),
        ("unknown element", "record-1.xml:22"),  # skipped: no offsets
        # Converting record-1: the repairs made on reading, reported with the outcome.
        ("empty EVENT type", "record-1.xml:16"),
        ("text mismatch: relocated", "record-1.xml:17"),
        ("raw '&' in XML (kept as '&')", "record-2.xml:3"),
        ("unparsed markup", "record-2.xml:9"),
        ("malformed offsets", "record-2.xml:8"),
    ]
    assert (account.source_mentions, account.total("converted")) == (12, 7)
    assert (account.total("changed"), account.total("dropped")) == (2, 3)
    relocated = next(e for e in account.entries if e.reason == "text mismatch: relocated")
    assert relocated.detail == "205-211 is 'inic .'; 'clinic' found at 203-209 (shift -2)"


def test_timex_on_request(corpora: Path, account: Account) -> None:
    found = _entities(corpora, account, timex=True)
    assert found["record-1"][0] == (17, 27, "DATE", "2014-03-02")
    assert len(found["record-1"]) == 8  # SECTIME and TLINK are never entities


@pytest.mark.parametrize(("label", "expected"), [("OCCURRENCE", 1), ("", 0), ("EVENT", 1)])
def test_empty_type_policy(corpora: Path, account: Account, label: str, expected: int) -> None:
    found = _entities(corpora, account, empty_type_label=label)
    assert [e for e in found["record-1"] if e[3] == "Follow up"] == (
        [(190, 199, label, "Follow up")] if expected else []
    )
    if not label:
        assert ("empty EVENT type", "record-1.xml:16") in entries(account, "dropped")
