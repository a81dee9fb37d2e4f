"""The output record of one annotated note, built from its processed ``Doc``.

One JSON object per note::

    {"id": "17", "source": "NOTEEVENTS.csv:412",
     "entities": [{"label": "PROBLEM", "start": 120, "end": 130, "text": "chest pain",
                   "negated": true, "hypothetical": false, "historical": false,
                   "family": false, "uncertain": false, "section": "chief_complaint",
                   "modifiers": [{"category": "NEGATED_EXISTENCE", "text": "denies",
                                  "start": 113, "end": 119}]}],
     "categories": {"CARDIO": 0.93, "NEURO": 0.07},
     "sections": [{"category": "chief_complaint", "title": "CHIEF COMPLAINT:",
                   "start": 0, "end": 131}],
     "truncated": [{"start": 2410, "end": 52410, "wordpieces": 50000, "kept": 511}]}

Offsets are characters into the note's original text, end exclusive:
``text[start:end] == entity["text"]``. The pipeline's tokenizer keeps the text exactly (MIMIC
placeholders included), and the record is refused if it did not.

``truncated`` lists the tokens the model saw only in part: a single token longer than the
model's maximum length on its own (windows are otherwise split to fit), with its offsets, its
wordpieces and how many of them the model saw. Empty when nothing was cut, or when the pipeline
has no MiniALBERT transformer.
"""

from __future__ import annotations

from typing import TypedDict

from spacy.tokens import Doc, Span

from ..medical.attributes import context_flags, modifiers, section_category, sections
from ..notes.records import Note


class ModifierRecord(TypedDict):
    category: str
    text: str
    start: int
    end: int


class EntityRecord(TypedDict):
    label: str
    start: int
    end: int
    text: str
    negated: bool
    hypothetical: bool
    historical: bool
    family: bool
    uncertain: bool
    section: str | None
    modifiers: list[ModifierRecord]


class SectionRecord(TypedDict):
    category: str | None
    title: str
    start: int
    end: int


class TruncationRecord(TypedDict):
    start: int
    end: int
    wordpieces: int
    kept: int


class NoteRecord(TypedDict):
    id: str
    source: str
    entities: list[EntityRecord]
    categories: dict[str, float]
    sections: list[SectionRecord]
    truncated: list[TruncationRecord]


def entity_record(span: Span) -> EntityRecord:
    flags = context_flags(span)
    return {
        "label": span.label_,
        "start": span.start_char,
        "end": span.end_char,
        "text": span.text,
        "negated": flags["negated"],
        "hypothetical": flags["hypothetical"],
        "historical": flags["historical"],
        "family": flags["family"],
        "uncertain": flags["uncertain"],
        "section": section_category(span),
        "modifiers": [
            {"category": m.category, "text": m.text, "start": m.start, "end": m.end}
            for m in modifiers(span)
        ],
    }


def note_record(note: Note, doc: Doc) -> NoteRecord:
    """The record of ``note`` processed into ``doc``; ValueError if the doc's text is not the
    note's (offsets would then point elsewhere in the original)."""
    if doc.text != note.text:
        raise ValueError(
            "the pipeline's tokenizer changed the text (offsets would not match the original "
            f"note): {len(note.text)} characters in, {len(doc.text)} out"
        )
    return {
        "id": note.note_id,
        "source": note.source,
        "entities": [entity_record(span) for span in doc.ents],
        "categories": {label: round(float(score), 6) for label, score in doc.cats.items()},
        "sections": [
            {"category": s.category, "title": s.title, "start": s.start, "end": s.end}
            for s in sections(doc)
        ],
        "truncated": truncations(doc),
    }


def truncations(doc: Doc) -> list[TruncationRecord]:
    """What the transformer cut from ``doc`` (``doc._.truncated_tokens``), by character offsets."""
    if not Doc.has_extension("truncated_tokens"):  # no MiniALBERT transformer was loaded
        return []
    return [
        {
            "start": cut["start"],
            "end": cut["end"],
            "wordpieces": cut["wordpieces"],
            "kept": cut["kept"],
        }
        for cut in doc._.truncated_tokens or []
    ]


def word_count(doc: Doc) -> int:
    """Tokens that are not whitespace: the words of the progress bar's words per second."""
    return sum(1 for token in doc if not token.is_space)
