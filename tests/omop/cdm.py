"""Test data: an OMOP CDM v5.4 NOTE table (the columns a note reader meets) and one note with a
negated, a family, a historical and a plain mention, with its annotate record written by hand."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
)

# Long enough (over 250 characters) that the snippet is a window, not the whole note.
NOTE_TEXT = (
    "CHIEF COMPLAINT:\n"
    "Patient denies chest pain . Came in by ambulance from home after a fall on the stairs , "
    "with a bruise on the left arm and a small cut above the eye .\n"
    "\n"
    "FAMILY HISTORY:\n"
    "Mother has diabetes .\n"
    "\n"
    "PAST MEDICAL HISTORY:\n"
    "History of hypertension .\n"
    "\n"
    "HISTORY OF PRESENT ILLNESS:\n"
    "Admitted on ___ with pneumonia , given antibiotics . Seen by Dr. ___ in clinic on ___ "
    "after two days of cough and fever at home ; no travel , no sick contacts reported .\n"
)
NOTE_ID = 42

# (text, label, flags, section category, ConText modifier category)
MENTIONS = [
    ("chest pain", "PROBLEM", {"negated": True}, "chief_complaint", "NEGATED_EXISTENCE"),
    ("diabetes", "PROBLEM", {"family": True}, "family_history", "FAMILY"),
    ("hypertension", "PROBLEM", {"historical": True}, "past_medical_history", "HISTORICAL"),
    ("pneumonia", "PROBLEM", {}, "history_of_present_illness", None),
]
SECTION_TITLES = [
    ("CHIEF COMPLAINT:", "chief_complaint"),
    ("FAMILY HISTORY:", "family_history"),
    ("PAST MEDICAL HISTORY:", "past_medical_history"),
    ("HISTORY OF PRESENT ILLNESS:", "history_of_present_illness"),
]


def hand_record(note_id: int = NOTE_ID, text: str = NOTE_TEXT) -> dict[str, Any]:
    """The record annotate would write for NOTE_TEXT, built without a model."""
    entities = []
    for mention, label, flags, section, category in MENTIONS:
        start = text.index(mention)
        modifiers = []
        if category is not None:
            trigger = {"NEGATED_EXISTENCE": "denies", "FAMILY": "Mother", "HISTORICAL": "History"}
            word = trigger[category]
            at = text.rindex(word, 0, start)
            modifiers.append(
                {"category": category, "text": word, "start": at, "end": at + len(word)}
            )
        entities.append(
            {
                "label": label,
                "start": start,
                "end": start + len(mention),
                "text": mention,
                "negated": False,
                "hypothetical": False,
                "historical": False,
                "family": False,
                "uncertain": False,
                **flags,
                "section": section,
                "modifiers": modifiers,
            }
        )
    sections = []
    starts = [text.index(title) for title, _ in SECTION_TITLES] + [len(text)]
    for index, (title, category) in enumerate(SECTION_TITLES):
        sections.append(
            {"category": category, "title": title, "start": starts[index], "end": starts[index + 1]}
        )
    return {
        "id": str(note_id),
        "source": "test",
        "entities": entities,
        "categories": {},
        "sections": sections,
    }


def note_table(metadata: MetaData | None = None, name: str = "note") -> Table:
    """OMOP CDM v5.4 NOTE (as the CDM's DDL has it)."""
    return Table(
        name,
        metadata or MetaData(),
        Column("note_id", Integer, primary_key=True, autoincrement=False),
        Column("person_id", Integer, nullable=False),
        Column("note_date", Date, nullable=False),
        Column("note_datetime", DateTime),
        Column("note_type_concept_id", Integer, nullable=False),
        Column("note_class_concept_id", Integer, nullable=False),
        Column("note_title", String(250)),
        Column("note_text", Text, nullable=False),
        Column("encoding_concept_id", Integer, nullable=False),
        Column("language_concept_id", Integer, nullable=False),
        Column("provider_id", Integer),
        Column("visit_occurrence_id", Integer),
        Column("visit_detail_id", Integer),
        Column("note_source_value", String(50)),
        Column("note_event_id", BigInteger),
        Column("note_event_field_concept_id", Integer),
    )


def fill_note_table(engine: Engine, notes: dict[int, tuple[int, str]], name: str = "note") -> None:
    """Create NOTE and insert ``note_id -> (person_id, text)``."""
    import datetime

    table = note_table(name=name)
    table.metadata.create_all(engine)
    rows = [
        {
            "note_id": note_id,
            "person_id": person,
            "note_date": datetime.date(2150, 3, 4),
            "note_type_concept_id": 32817,  # EHR
            "note_class_concept_id": 0,
            "note_title": "Discharge summary",
            "note_text": text,
            "encoding_concept_id": 32678,  # UTF-8
            "language_concept_id": 4180186,  # English
        }
        for note_id, (person, text) in notes.items()
    ]
    with engine.begin() as connection:
        connection.execute(insert(table), rows)
