"""The clinical sentence splitter: punctuation, blank lines, list items, never inside an entity,
and it saves with the pipeline."""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.tokens import Span

from spacy_minialbert.medical.sentences import FACTORY_NAME


def sentences(text: str, **config: object) -> list[str]:
    nlp = spacy.blank("en")
    nlp.add_pipe(FACTORY_NAME, config=config)
    return [sent.text for sent in nlp(text).sents]


def test_punctuation_ends_a_sentence_and_closing_marks_stay() -> None:
    assert sentences('He said "no fever." Denies pain.') == ['He said "no fever."', "Denies pain."]


def test_blank_line_ends_a_sentence_without_punctuation() -> None:
    text = "Denies tobacco\n\nMEDICATIONS\naspirin daily"
    assert sentences(text) == ["Denies tobacco\n\n", "MEDICATIONS\naspirin daily"]
    assert sentences(text, blank_lines=False) == [text]


def test_a_single_line_break_does_not_split_wrapped_text() -> None:
    assert sentences("patient denies chest\npain today") == ["patient denies chest\npain today"]


def test_list_items_start_sentences_and_their_period_is_not_final() -> None:
    text = "Meds:\n1. aspirin 81 mg\n2) metformin\n- lisinopril"
    assert sentences(text) == ["Meds:\n", "1. aspirin 81 mg\n", "2) metformin\n", "- lisinopril"]
    assert sentences(text, list_items=False) == [
        "Meds:\n1.",
        "aspirin 81 mg\n2) metformin\n- lisinopril",
    ]


def test_no_boundary_inside_an_entity() -> None:
    nlp = spacy.blank("en")
    splitter = nlp.add_pipe(FACTORY_NAME)
    doc = nlp.make_doc("History of chest\n\npain. Stable.")
    doc.ents = [Span(doc, 2, 5, label="PROBLEM")]  # "chest \n\n pain"
    doc = splitter(doc)
    assert [sent.text for sent in doc.sents] == ["History of chest\n\npain.", "Stable."]


def test_saves_and_loads(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe(FACTORY_NAME, config={"punct_chars": [";"], "list_items": False})
    nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    assert [s.text for s in loaded("a; b. c").sents] == ["a;", "b. c"]
