"""OMOP CDM v5.4 output: annotate records as ``NOTE_NLP`` rows in a real database (SQLite,
PostgreSQL, anything SQLAlchemy reaches). Only the command line imports this package.
See ``docs/omop.md``; the column mapping is in :mod:`.rows`, the crash-safe writes in
:mod:`.writer`, the table in :mod:`.schema`."""

from .concepts import ConceptMap, read_concept_map
from .rows import RowSettings, note_rows, term_exists, term_modifiers
from .schema import TableSpec, ensure_note_nlp, note_nlp_table
from .writer import (
    WriteOptions,
    WriteReport,
    nlp_system_name,
    read_records,
    with_texts,
    write_note_nlp,
)

__all__ = [
    "ConceptMap",
    "RowSettings",
    "TableSpec",
    "WriteOptions",
    "WriteReport",
    "ensure_note_nlp",
    "nlp_system_name",
    "note_nlp_table",
    "note_rows",
    "read_concept_map",
    "read_records",
    "term_exists",
    "term_modifiers",
    "with_texts",
    "write_note_nlp",
]
