"""One annotate record (``annotate/records.py``) as OMOP CDM v5.4 ``NOTE_NLP`` rows: one per entity.

How each column is filled (the CDM's field-level definitions in quotes):

``note_nlp_id``
    ``note_id * ids_per_note + ordinal``, the entity's 0-based place in the note (text order).
    The same note annotated again gets the same ids, so a re-run replaces rows instead of adding
    them. A note with more entities than ``ids_per_note`` is refused (its ids would overlap the
    next note's).
``note_id``
    The record's id, which must be an integer: the ``note_id`` of the NOTE row it came from.
``section_concept_id``
    The concept the mapping file gives the section the entity starts in (by its title or the
    sectionizer's category); else 0.
``snippet``
    "A small window of text surrounding the term": up to 250 characters of the note centred on
    the term (the term alone, cut to 250, if it is longer).
``offset``
    "Character offset of the extracted term in the input note": the start, as text; with
    ``offset_columns`` also the integers ``offset_start``/``offset_end`` (end exclusive), so
    ``note_text[offset_start:offset_end]`` is the term.
``lexical_variant``
    "Raw text extracted from the NLP tool": the entity's text (cut to 250 characters, counted).
``note_nlp_concept_id`` / ``note_nlp_source_concept_id``
    From the mapping file by label; else 0.
``nlp_system``
    "Name and version of the NLP system": ``spacy-minialbert <version>; <pipeline name>
    <pipeline version>``.
``nlp_date`` / ``nlp_datetime``
    "The date of the note processing": when the rows were written (UTC).
``term_exists``
    "Any of the following modifiers would make term_exists false: negation = true; subject =
    anything other than the patient; conditional = true; rule_out = true; uncertain": ``N`` when
    ConText marks the entity negated, about someone other than the patient (family),
    hypothetical (conditional) or uncertain (possible, rule out); else ``Y``.
``term_temporal``
    "The following would be past: history = true; concept_date = anything before the time of
    the report": ``past`` when ConText marks the entity historical (dates in the text are not
    compared), else ``present``.
``term_modifiers``
    The CDM concatenates all modifiers into one string; here ``label=PROBLEM,negated=false,
    subject=patient,conditional=false,uncertain=false,historical=true,
    section=past_medical_history,context=HISTORICAL`` (``context`` lists the ConText modifier
    categories, ``;``-separated; ``section`` is empty outside any section). ``,``, ``=``, ``;``
    and ``%`` inside a value are written as ``%2C``, ``%3D``, ``%3B`` and ``%25``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .concepts import ConceptMap

SNIPPET_LENGTH = 250
LEXICAL_VARIANT_LENGTH = 250
MODIFIERS_LENGTH = 2000
_ESCAPES = str.maketrans({"%": "%25", ",": "%2C", "=": "%3D", ";": "%3B"})


@dataclass(frozen=True)
class RowSettings:
    """What every row of a write shares."""

    nlp_system: str
    processed: datetime
    concepts: ConceptMap = field(default_factory=ConceptMap)
    ids_per_note: int = 1000
    offset_columns: bool = False
    max_id: int = 2**63 - 1


@dataclass
class Truncations:
    """Values cut to the column's width (counted, reported)."""

    lexical_variants: int = 0
    modifiers: int = 0


def omop_note_id(record_id: str) -> int:
    """The record's id as NOTE_NLP.note_id; ValueError unless it is a non-negative integer."""
    text = record_id.strip()
    if not text.isdigit():
        raise ValueError(
            f"note id {record_id!r} is not a non-negative integer, as NOTE_NLP.note_id must be; "
            "annotate the notes from an OMOP NOTE table (--db URL --table note), whose note_id "
            "is the integer NOTE_NLP refers to."
        )
    return int(text)


def note_rows(
    record: dict[str, Any], text: str, settings: RowSettings, truncations: Truncations
) -> list[dict[str, Any]]:
    """The NOTE_NLP rows of one note's record, ``text`` being the note as annotated.

    ValueError if an entity's offsets do not slice ``text`` to the entity's text (the record
    belongs to another version of the note), or if the note's ids do not fit."""
    note_id = omop_note_id(record["id"])
    entities = record["entities"]
    if len(entities) > settings.ids_per_note:
        raise ValueError(
            f"note {note_id} has {len(entities)} entities, more than the {settings.ids_per_note} "
            "ids each note gets; raise --ids-per-note (all notes must use the same value)."
        )
    last_id = note_id * settings.ids_per_note + settings.ids_per_note - 1
    if entities and last_id > settings.max_id:
        raise ValueError(
            f"note {note_id}: its NOTE_NLP ids reach {last_id}, beyond the largest the table's "
            f"note_nlp_id holds ({settings.max_id}); create the table with bigint ids "
            "(--bigint-ids) or use a smaller --ids-per-note."
        )
    sections = record.get("sections", [])
    rows = []
    for ordinal, entity in enumerate(entities):
        start, end = entity["start"], entity["end"]
        if text[start:end] != entity["text"]:
            raise ValueError(
                f"note {note_id}: entity {ordinal} at {start}-{end} does not match the note's "
                "text there; the record was made from another version of the note."
            )
        concept, source_concept = settings.concepts.label(entity["label"])
        modifiers = term_modifiers(entity)
        truncations.lexical_variants += len(entity["text"]) > LEXICAL_VARIANT_LENGTH
        truncations.modifiers += len(modifiers) > MODIFIERS_LENGTH
        row = {
            "note_nlp_id": note_id * settings.ids_per_note + ordinal,
            "note_id": note_id,
            "section_concept_id": settings.concepts.section(
                _section_title(sections, start), entity.get("section")
            ),
            "snippet": snippet(text, start, end),
            "offset": str(start),
            "lexical_variant": entity["text"][:LEXICAL_VARIANT_LENGTH],
            "note_nlp_concept_id": concept,
            "note_nlp_source_concept_id": source_concept,
            "nlp_system": settings.nlp_system,
            "nlp_date": settings.processed.date(),
            "nlp_datetime": settings.processed,
            "term_exists": term_exists(entity),
            "term_temporal": "past" if entity["historical"] else "present",
            "term_modifiers": modifiers[:MODIFIERS_LENGTH],
        }
        if settings.offset_columns:
            row["offset_start"], row["offset_end"] = start, end
        rows.append(row)
    return rows


def term_exists(entity: dict[str, Any]) -> str:
    """``N`` if negated, about someone else, hypothetical or uncertain; else ``Y``."""
    keys = ("negated", "family", "hypothetical", "uncertain")
    return "N" if any(entity[key] for key in keys) else "Y"


def term_modifiers(entity: dict[str, Any]) -> str:
    """The modifier listing of ``term_modifiers`` (see the module docstring)."""
    context = ";".join(modifier["category"].translate(_ESCAPES) for modifier in entity["modifiers"])
    pairs = (
        ("label", entity["label"]),
        ("negated", _flag(entity["negated"])),
        ("subject", "family" if entity["family"] else "patient"),
        ("conditional", _flag(entity["hypothetical"])),
        ("uncertain", _flag(entity["uncertain"])),
        ("historical", _flag(entity["historical"])),
        ("section", entity.get("section") or ""),
        ("context", context),
    )
    return ",".join(
        f"{name}={value if name == 'context' else value.translate(_ESCAPES)}"
        for name, value in pairs
    )


def snippet(text: str, start: int, end: int, width: int = SNIPPET_LENGTH) -> str:
    """At most ``width`` characters of ``text`` around ``text[start:end]``, the term centred
    (shifted inwards at the note's edges); the term alone, cut, when it is longer."""
    if end - start >= width:
        return text[start : start + width]
    spare = width - (end - start)
    left = max(0, start - spare // 2)
    right = min(len(text), left + width)
    left = max(0, right - width)
    return text[left:right]


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _section_title(sections: list[dict[str, Any]], offset: int) -> str | None:
    for section in sections:
        if section["start"] <= offset < section["end"]:
            return str(section["title"])
    return None
