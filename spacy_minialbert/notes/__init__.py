"""The one reader of notes: every command that reads clinical notes (``annotate``,
``annotate-omop``, ``convert mimic-noteevents``/``mimic-iv-note``, ``distill``, ``init-backbone``)
reads them through this package, with one encoding policy (:mod:`.encoding`: undecodable bytes
make a failed record that says where they are, never replaced) and one name per option
(``id_column``, ``text_column``, ``encoding``, ``keep_iserror``).

Readers stream :class:`Note` and :class:`Rejected` records (:mod:`.records`) from a folder of
``.txt`` notes, a blank-line separated text file, JSON Lines, CSV (``.gz`` too; MIMIC-III
NOTEEVENTS by default), MIMIC-IV-Note, or an OMOP ``NOTE`` table or query. File readers give each
record its line and byte offsets, and resume at a saved offset. Pure Python (SQLAlchemy for
databases): no spaCy or torch, so every layer above can use it."""

from __future__ import annotations

from .csv_notes import CsvNotes, MissingColumns
from .database import DatabaseNotes
from .formats import NOTE_FORMATS, InputOptions, detect_format, open_notes
from .jsonl_notes import JsonlNotes
from .records import Note, NoteSource, Rejected
from .text_notes import TextNotes

__all__ = [
    "NOTE_FORMATS",
    "CsvNotes",
    "DatabaseNotes",
    "InputOptions",
    "JsonlNotes",
    "MissingColumns",
    "Note",
    "NoteSource",
    "Rejected",
    "TextNotes",
    "detect_format",
    "open_notes",
]
