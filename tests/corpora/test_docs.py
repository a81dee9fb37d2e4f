"""Records to Docs: alignment policies, trimming, label maps, overlaps, what DocBin keeps."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

from spacy_minialbert.corpora import (
    Account,
    DocumentRecord,
    GoldEntity,
    LabelMap,
    mtsamples_documents,
    record_to_doc,
)

TEXT = "Gave 500mg aspirin to pt."


def _record(*entities: GoldEntity) -> DocumentRecord:
    return DocumentRecord("d1", TEXT, "mem.ann", list(entities), group="p1")


@pytest.mark.parametrize(
    ("policy", "ents", "action", "detail"),
    [
        ("expand", ["500mg"], "changed", "7-10 '0mg' expanded to 5-10 '500mg'"),
        ("contract", ["mg"], "changed", "7-10 '0mg' contracted to 8-10 'mg'"),
        ("drop", [], "dropped", "7-10 in tokens ['500', 'mg']"),
    ],
)
def test_misaligned_policy(
    nlp: Language, account: Account, policy: str, ents: list[str], action: str, detail: str
) -> None:
    # "0mg" starts inside the token "500" (the tokenizer splits 500 | mg).
    entity = GoldEntity(7, 10, "Strength", "0mg", line=3)
    doc = record_to_doc(_record(entity), nlp.make_doc, account, misaligned=policy)
    assert [e.text for e in doc.ents] == ents
    (entry,) = account.problems()
    assert (entry.action, entry.reason, entry.line) == (action, "misaligned to tokens", 3)
    assert entry.detail == detail


def test_whitespace_is_trimmed_and_reported(nlp: Language, account: Account) -> None:
    doc = record_to_doc(_record(GoldEntity(10, 19, "Drug", " aspirin ")), nlp.make_doc, account)
    assert [e.text for e in doc.ents] == ["aspirin"]
    assert [e.reason for e in account.problems()] == ["surrounding whitespace trimmed"]


def test_label_map_renames_and_drops(nlp: Language, account: Account) -> None:
    record = _record(GoldEntity(11, 18, "Drug", "aspirin"), GoldEntity(22, 24, "Who", "pt"))
    doc = record_to_doc(
        record, nlp.make_doc, account, label_map=LabelMap({"Drug": "MEDICATION", "Who": ""})
    )
    assert [(e.text, e.label_) for e in doc.ents] == [("aspirin", "MEDICATION")]
    assert [(e.reason, e.label) for e in account.problems()] == [("label mapped out", "Who")]
    assert account.ents == {"MEDICATION": 1}
    assert account.to_dict()["entities"]["by_source_label"]["Drug"]["converted"] == 1


def test_overlap_keeps_the_longest_and_every_span(nlp: Language, account: Account) -> None:
    record = _record(
        GoldEntity(5, 10, "Strength", "500mg"),
        GoldEntity(5, 18, "Drug", "500mg aspirin"),
        GoldEntity(11, 18, "Drug", "aspirin"),
    )
    doc = record_to_doc(record, nlp.make_doc, account)
    assert [(e.text, e.label_) for e in doc.ents] == [("500mg aspirin", "Drug")]
    assert [(s.text, s.label_) for s in doc.spans["sc"]] == [
        ("500mg", "Strength"),
        ("500mg aspirin", "Drug"),
        ("aspirin", "Drug"),
    ]
    assert [e.reason for e in account.problems()] == ["overlaps a kept entity"] * 2
    assert doc.user_data["group"] == "p1" and doc.user_data["doc_id"] == "d1"


def test_a_tokenizer_that_changes_text_is_refused(nlp: Language, account: Account) -> None:
    with pytest.raises(ValueError, match="the tokenizer changed the text of 'd1'"):
        record_to_doc(_record(), lambda text: nlp.make_doc(text.upper()), account)


def test_entity_offsets_are_validated() -> None:
    with pytest.raises(ValueError, match="0 <= start <= end, got 5-2"):
        GoldEntity(5, 2, "Drug", "x")


def test_document_labels_only_leave_entity_tags_missing(
    nlp: Language, account: Account, corpora: Path
) -> None:
    # MTSamples and MIMIC note categories label whole notes: trained together with an NER
    # corpus, "outside" tags would teach the NER that their mentions are not entities.
    labelled = DocumentRecord(
        "n1", TEXT, "notes.csv", cats={"CARDIO": 1.0}, annotates_entities=False
    )
    doc = record_to_doc(labelled, nlp.make_doc, account)
    assert {token.ent_iob_ for token in doc} == {""}
    assert doc.cats == {"CARDIO": 1.0}
    ner = record_to_doc(_record(), nlp.make_doc, account)
    assert {token.ent_iob_ for token in ner} == {"O"}
    notes = list(
        mtsamples_documents(corpora / "mtsamples" / "mtsamples.csv", account=Account("mtsamples"))
    )
    assert notes and not any(note.annotates_entities for note in notes)


def test_document_labels_only_with_entities_is_an_error(nlp: Language, account: Account) -> None:
    entity = GoldEntity(11, 18, "Drug", "aspirin")
    record = DocumentRecord("n1", TEXT, "notes.csv", [entity], annotates_entities=False)
    with pytest.raises(
        ValueError, match=r"notes\.csv: document 'n1' is marked as having no entity"
    ):
        record_to_doc(record, nlp.make_doc, account)
