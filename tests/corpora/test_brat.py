from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language
from spacy.tokens import DocBin

from spacy_minialbert.corpora import Account, brat_documents, record_to_doc, span_attributes
from spacy_minialbert.corpora.writers import write_docbin

from .conftest import entries

# (start, end) of the two discontinuous mentions under each policy: "chest\npain" (only a line
# end between its fragments) and "Tylenol ... tablets" (words between them).
POLICIES = {
    "auto": ([(47, 57)], [(118, 125)]),
    "cover": ([(47, 57)], [(118, 143)]),
    "first": ([(47, 52)], [(118, 125)]),
    "drop": ([], []),
}


def _read(corpora: Path, account: Account, policy: str = "auto") -> list:
    return list(brat_documents(corpora / "brat" / "corpus", account=account, discontinuous=policy))


@pytest.mark.parametrize("policy", POLICIES)
def test_discontinuous_policy(corpora: Path, account: Account, policy: str) -> None:
    (record,) = _read(corpora, account, policy)
    spans = {(e.label, e.text): (e.start, e.end) for e in record.entities}
    reason, tylenol = POLICIES[policy]
    assert [spans[k] for k in [("Reason", "chest pain")] if k in spans] == reason
    assert [spans[k] for k in [("Drug", "Tylenol tablets")] if k in spans] == tylenol
    # The fragments are kept whatever the policy.
    assert [(f.start, f.end) for f in record.spans["fragments"]] == [
        (47, 52),
        (53, 57),
        (118, 125),
        (136, 143),
    ]
    if policy == "drop":
        assert entries(account, "dropped").count(("discontinuous", "doc-1.ann:4")) == 1


def test_changes_are_counted_per_policy(corpora: Path, nlp: Language) -> None:
    reasons = {}
    for policy in POLICIES:
        account = Account("brat")
        for record in _read(corpora, account, policy):
            record_to_doc(record, nlp.make_doc, account)
        reasons[policy] = {
            k: v
            for k, v in {**account.changed_reasons, **account.dropped_reasons}.items()
            if k.startswith("discontinuous")
        }
    assert reasons == {
        "auto": {"discontinuous: joined across whitespace": 1, "discontinuous: first fragment": 1},
        "cover": {"discontinuous: covering span": 2},
        "first": {"discontinuous: first fragment": 2},
        "drop": {"discontinuous": 2},
    }


def test_lines_are_understood(corpora: Path, account: Account) -> None:
    (record,) = _read(corpora, account)
    attributes = {e.text: dict(e.attributes) for e in record.entities if e.attributes}
    assert attributes == {
        "aspirin": {"Reference": "RxNorm:1191", "AnnotatorNotes": "low-dose aspirin"},  # N, #
        "Metoprolol": {"Held": "true"},  # A
        "Advil": {"Certainty": "Possible"},  # M
    }
    relations = {(r.label, r.head[2], r.child[2]) for r in record.relations}
    assert relations == {
        ("Strength-Drug", "Strength", "Drug"),  # R
        ("Reason-Drug", "Reason", "Drug"),
        ("Form-Drug", "Form", "Drug"),
        ("Dose", "Drug", "Strength"),  # E: one relation per role, from the trigger
        ("Equiv", "Drug", "Drug"),  # *
    }
    assert entries(account) == [
        ("malformed T line", "doc-1.ann:13"),
        ("unknown or malformed annotation line", "doc-1.ann:26"),
        ("text mismatch", "doc-1.ann:7"),
        ("offsets outside the text", "doc-1.ann:12"),
        ("relation to an unknown or dropped mention", "doc-1.ann:23"),
    ]


def test_shifted_offsets_are_relocated(corpora: Path, account: Account) -> None:
    (record,) = _read(corpora, account)
    strength = next(e for e in record.entities if e.text == "25 mg")
    assert (strength.start, strength.end) == (70, 75)
    assert strength.changes[0].detail == "71-76 reads '5 mg '; found at 70-75 (shift -1)"


def test_conversion_account_adds_up(corpora: Path, account: Account, nlp: Language) -> None:
    (record,) = _read(corpora, account)
    doc = record_to_doc(record, nlp.make_doc, account)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("aspirin", "Drug"),
        ("81 mg", "Strength"),
        ("daily", "Frequency"),
        ("chest\npain", "Reason"),
        ("Metoprolol", "Drug"),
        ("25 mg", "Strength"),
        ("Tylenol", "Drug"),
        ("Advil tablets", "Form"),  # longer than the overlapping "Advil"
        ("as needed", "Frequency"),  # "as neede" ends inside a token: expanded
    ]
    assert ("Advil", "Drug") in [(s.text, s.label_) for s in doc.spans["sc"]]
    assert entries(account, "dropped")[-2:] == [
        ("overlaps a kept entity", "doc-1.ann:9"),
        ("duplicate annotation", "doc-1.ann:14"),
    ]
    assert account.source_mentions == 14
    assert (account.total("converted"), account.total("changed"), account.total("dropped")) == (
        5,
        4,
        5,
    )
    assert span_attributes(doc.ents[0]) == {
        "Reference": "RxNorm:1191",
        "AnnotatorNotes": "low-dose aspirin",
    }


def test_user_data_survives_docbin(
    corpora: Path, account: Account, nlp: Language, tmp_path: Path
) -> None:
    (record,) = _read(corpora, account)
    write_docbin([record_to_doc(record, nlp.make_doc, account)], tmp_path / "brat.spacy")
    (doc,) = DocBin().from_disk(tmp_path / "brat.spacy").get_docs(nlp.vocab)
    assert doc.user_data["doc_id"] == "doc-1"
    assert len(doc.spans["fragments"]) == 4
    assert len(doc.spans["sc"]) == 10  # every placed mention but the exact duplicate
    assert span_attributes(doc.ents[4]) == {"Held": "true"}
    relation = next(r for r in doc.user_data["relations"] if r["label"] == "Strength-Drug")
    assert tuple(relation["head"]) == (31, 36, "Strength")


def test_unpaired_files_are_reported(corpora: Path, account: Account) -> None:
    assert list(brat_documents(corpora / "brat" / "unpaired", account=account)) == []
    assert entries(account) == [
        ("no .ann file", "lonely.txt:None"),
        ("no .txt file", "orphan.ann:None"),
        ("no .txt file", "orphan.ann:1"),
        ("no .txt file", "orphan.ann:2"),
    ]
    assert account.total("dropped") == 2


def test_unknown_policy_is_rejected(corpora: Path, account: Account) -> None:
    with pytest.raises(ValueError, match="discontinuous must be one of"):
        _read(corpora, account, "merge")
