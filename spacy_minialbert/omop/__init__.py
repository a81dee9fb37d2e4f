"""OMOP CDM v5.4 output: annotate records as ``NOTE_NLP`` rows in a real database (SQLite,
PostgreSQL, anything SQLAlchemy reaches). Only the command line imports this package.
See ``docs/omop.md``; the column mapping is in :mod:`.rows`, the crash-safe writes in
:mod:`.writer`, the table in :mod:`.schema`."""

from .concepts import ConceptMap, read_concept_map
from .rows import RowSettings, note_rows
from .schema import TableSpec, ensure_note_nlp
from .writer import WriteOptions, nlp_system_name, read_records, with_texts, write_note_nlp

__all__ = [
    "ConceptMap",
    "RowSettings",
    "TableSpec",
    "WriteOptions",
    "ensure_note_nlp",
    "nlp_system_name",
    "note_rows",
    "read_concept_map",
    "read_records",
    "with_texts",
    "write_note_nlp",
]
