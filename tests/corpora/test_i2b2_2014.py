from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from spacy.language import Language

from spacy_minialbert.corpora import Account, i2b2_2014_documents, record_to_doc

from .conftest import entries


def test_raw_cdata_keeps_crlf_offsets(corpora: Path, account: Account) -> None:
    records = {r.doc_id: r for r in i2b2_2014_documents(corpora / "i2b2-2014", account=account)}
    record = records["100-01"]
    assert "\r\n" in record.text
    assert [(e.start, e.end, e.label, record.text[e.start : e.end]) for e in record.entities] == [
        (13, 23, "DATE", "2091-04-11"),
        (39, 42, "DOCTOR", "Lee"),
        (46, 56, "DATE", "2091-04-11"),
        (67, 75, "PATIENT", "Jane Roe"),
        (77, 79, "AGE", "67"),
        (84, 95, "CITY", "Springfield"),
        (103, 111, "PHONE", "555-0134"),
    ]
    assert not any(e.changes for e in record.entities)
    # What an XML parser makes of the same file: CRLF normalised, every later offset off.
    parsed = ElementTree.parse(corpora / "i2b2-2014" / "100-01.xml").getroot().findtext("TEXT")
    assert parsed is not None and parsed[39:42] != "Lee"


def test_groups_are_patients(corpora: Path, account: Account) -> None:
    records = list(i2b2_2014_documents(corpora / "i2b2-2014", account=account))
    assert [(r.doc_id, r.group) for r in records] == [
        ("100-01", "100"),
        ("100-02", "100"),
        ("101-01", "101"),
    ]


def test_release_defects_are_reported(corpora: Path, account: Account, nlp: Language) -> None:
    records = {r.doc_id: r for r in i2b2_2014_documents(corpora / "i2b2-2014", account=account)}
    for record in records.values():
        record_to_doc(record, nlp.make_doc, account)
    hospital = records["100-02"].entities[-1]
    assert (hospital.start, hospital.end, hospital.text) == (81, 98, "Lakeside Hospital")
    assert [c.reason for c in hospital.changes] == ["text mismatch: relocated"]
    assert entries(account) == [
        ("text mismatch", "100-02.xml:11"),
        ("text mismatch: relocated", "100-02.xml:12"),
        ("empty TYPE", "101-01.xml:10"),
    ]
    dropped = account.entries[0]
    assert (dropped.text, dropped.label) == ("Smith and Wesson Clinic", "HOSPITAL")
    profession = records["101-01"].entities[2]
    assert profession.label == "PROFESSION"
    assert [c.reason for c in profession.changes] == ["empty TYPE"]


def test_label_by_category(corpora: Path, account: Account) -> None:
    records = list(i2b2_2014_documents(corpora / "i2b2-2014", account=account, label_by="category"))
    assert [e.label for e in records[0].entities] == [
        "DATE",
        "NAME",
        "DATE",
        "NAME",
        "AGE",
        "LOCATION",
        "CONTACT",
    ]
    assert records[0].entities[1].attributes["TYPE"] == "DOCTOR"
