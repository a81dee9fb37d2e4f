from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import DocBin

from spacy_minialbert.corpora import (
    Account,
    i2b2_2010_documents,
    record_to_doc,
    register_span_extensions,
    span_assertion,
    write_docbin,
)

from .conftest import entries


def test_concepts_land_on_their_text(corpora: Path, account: Account) -> None:
    (record,) = i2b2_2010_documents(corpora / "i2b2-2010" / "flat", account=account)
    found = [(e.start, e.end, e.label, record.text[e.start : e.end]) for e in record.entities]
    assert found == [
        (38, 48, "problem", "chest pain"),  # line 2 tokens 2-3: lines from 1, end inclusive
        (44, 48, "problem", "pain"),
        (59, 71, "problem", "mild dyspnea"),
        (93, 100, "treatment", "aspirin"),  # line beginning with a space, whitespace tokens
        (101, 106, "treatment", "81 mg"),  # same line, indices counting the empty token
        (115, 129, "test", "Blood pressure"),  # c="blood pressure": compared case-insensitively
        (164, 188, "problem", "congestive heart\nfailure"),  # 5:5 6:0 spans a line end
    ]
    assert record.doc_id == "note-1"
    assert record.group is None


def test_the_single_space_rule_is_reported_never_silent(corpora: Path, account: Account) -> None:
    (record,) = i2b2_2010_documents(corpora / "i2b2-2010" / "flat", account=account)
    changed = {e.text: [c.reason for c in e.changes] for e in record.entities if e.changes}
    assert changed == {"81 mg": ["placed by the single-space split"]}


def test_every_unplaceable_concept_is_reported(corpora: Path, account: Account) -> None:
    list(i2b2_2010_documents(corpora / "i2b2-2010" / "flat", account=account))
    assert entries(account) == [
        ("text mismatch", "note-1.con:8"),
        ("line outside the text", "note-1.con:9"),  # line 9 of a 7-line text
        ('malformed line: expected c="..." L:T L:T||t="..."', "note-1.con:10"),
        ("assertion without a concept", "note-1.ast:None"),
    ]
    mismatch = account.entries[0]
    assert (mismatch.start, mismatch.end, mismatch.text) == (134, 140, "metoprolol")
    assert "reads '120/80'" in mismatch.detail
    assert account.total("dropped") == 3


def test_assertions_become_attributes(corpora: Path, account: Account) -> None:
    (record,) = i2b2_2010_documents(corpora / "i2b2-2010" / "flat", account=account)
    assertions = {e.text: e.attributes.get("assertion") for e in record.entities}
    assert assertions["chest pain"] == "absent"
    assert assertions["mild dyspnea"] == "present"
    assert assertions["congestive heart failure"] == "present"
    assert assertions["aspirin"] is None


def test_release_layout_and_unannotated_texts(corpora: Path, account: Account) -> None:
    records = list(i2b2_2010_documents(corpora / "i2b2-2010" / "release", account=account))
    assert [r.doc_id for r in records] == ["beth/txt/record-7"]
    (record,) = records
    assert [(record.text[e.start : e.end], e.attributes) for e in record.entities] == [
        ("fever", {}),
        ("cough", {}),
        ("rash", {"assertion": "absent"}),
    ]
    assert entries(account) == [("no .con file", "017.txt:None")]
    assert account.documents_excluded == {"no .con file": 1}


def test_assertions_survive_in_the_doc(
    corpora: Path, account: Account, nlp: Language, tmp_path: Path
) -> None:
    (record,) = i2b2_2010_documents(corpora / "i2b2-2010" / "flat", account=account)
    write_docbin([record_to_doc(record, nlp.make_doc, account)], tmp_path / "c.spacy")
    (doc,) = DocBin().from_disk(tmp_path / "c.spacy").get_docs(nlp.vocab)
    assert [(e.text, span_assertion(e)) for e in doc.ents][:2] == [
        ("chest pain", "absent"),
        ("mild dyspnea", "present"),
    ]
    register_span_extensions()
    register_span_extensions()  # idempotent
    assert doc.ents[0]._.assertion == "absent"
    assert doc.ents[0]._.annotation == {"assertion": "absent"}
    # "pain" overlaps the longer "chest pain": not an entity, still a span.
    assert "pain" not in [e.text for e in doc.ents]
    assert ("pain", "problem") in [(s.text, s.label_) for s in doc.spans["sc"]]
    assert entries(account, "dropped")[-1] == ("overlaps a kept entity", "note-1.con:2")
