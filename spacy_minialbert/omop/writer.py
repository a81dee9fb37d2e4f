"""Writing NOTE_NLP rows so that a crash at any moment loses nothing and a re-run adds nothing.

Notes are written in transactions of ``notes_per_transaction`` notes. For each note, the
transaction first deletes the rows this tool wrote for it before (those in the note's id range,
``note_id * ids_per_note`` up to the next note's, whose ``nlp_system`` starts with
``spacy-minialbert``), then inserts its rows. A transaction commits whole or not at all, so after
a crash every note is either fully written or untouched, and the re-run rewrites it with the same
ids. Rows other systems wrote are never deleted: if one holds an id this tool needs, the insert
fails and the error says which notes. The deletes of a transaction are one statement.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Engine, and_, cast, delete, insert
from sqlalchemy.exc import IntegrityError

from ..notes.records import InputItem, Note
from .concepts import ConceptMap
from .rows import RowSettings, Truncations, note_rows
from .schema import TableSpec, ensure_note_nlp

SYSTEM_NAME = "spacy-minialbert"
T = TypeVar("T")


@dataclass
class WriteReport:
    """What a write did: notes written (with or without entities), rows inserted, values cut."""

    table: str
    created: bool
    notes: int = 0
    rows: int = 0
    truncations: Truncations = field(default_factory=Truncations)

    def format(self) -> str:
        line = f"NOTE_NLP ({self.table}): {self.rows} rows for {self.notes} notes"
        cuts = self.truncations
        if cuts.lexical_variants or cuts.modifiers:
            line += (
                f"; cut to the column width: {cuts.lexical_variants} lexical variants, "
                f"{cuts.modifiers} modifier listings"
            )
        return line


@dataclass(frozen=True)
class WriteOptions:
    """nlp_system: ``spacy-minialbert <version>; <pipeline> <version>`` (see
    :func:`nlp_system_name`). processed: the time written into nlp_date/nlp_datetime (default:
    now, UTC)."""

    nlp_system: str
    table: TableSpec = field(default_factory=TableSpec)
    concepts: ConceptMap = field(default_factory=ConceptMap)
    ids_per_note: int = 1000
    notes_per_transaction: int = 100
    processed: datetime | None = None

    def __post_init__(self) -> None:
        if not self.nlp_system.startswith(SYSTEM_NAME):
            raise ValueError(f"nlp_system must start with {SYSTEM_NAME!r}: re-runs find by it.")
        if len(self.nlp_system) > 250:
            raise ValueError(f"nlp_system is {len(self.nlp_system)} characters; at most 250.")
        if self.ids_per_note < 1 or self.notes_per_transaction < 1:
            raise ValueError("ids_per_note and notes_per_transaction must be at least 1.")


def nlp_system_name(pipeline_meta: dict[str, Any]) -> str:
    """``spacy-minialbert 0.1.0; en_clinical_ner 1.2.0`` from the pipeline's ``meta.json``."""
    from .. import __version__

    name = f"{pipeline_meta.get('lang', 'xx')}_{pipeline_meta.get('name', 'pipeline')}"
    return f"{SYSTEM_NAME} {__version__}; {name} {pipeline_meta.get('version', '0.0.0')}"


def write_note_nlp(
    engine: Engine, notes: Iterable[tuple[dict[str, Any], str]], options: WriteOptions
) -> WriteReport:
    """Write the rows of each (record, note text) into NOTE_NLP, creating the table if missing."""
    table, max_id, created = ensure_note_nlp(engine, options.table)
    processed = options.processed or datetime.now(timezone.utc)
    # TIMESTAMP without time zone, as the CDM has it: the UTC wall time.
    processed = processed.astimezone(timezone.utc).replace(tzinfo=None)
    settings = RowSettings(
        nlp_system=options.nlp_system,
        processed=processed,
        concepts=options.concepts,
        ids_per_note=options.ids_per_note,
        offset_columns=options.table.offset_columns,
        max_id=max_id,
    )
    report = WriteReport(options.table.qualified, created)
    step = options.ids_per_note
    # One DELETE per transaction: this tool's earlier rows of the chunk's notes (each note's
    # id range, computed in bigint so that it cannot overflow an integer column).
    first_id = cast(table.c.note_id, BigInteger) * step
    ours = and_(
        table.c.note_nlp_id >= first_id,
        table.c.note_nlp_id < first_id + step,
        table.c.nlp_system.like(f"{SYSTEM_NAME}%"),
    )
    for chunk in chunks(notes, options.notes_per_transaction):
        rows: list[dict[str, Any]] = []
        note_ids: list[int] = []
        for record, text in chunk:
            rows.extend(note_rows(record, text, settings, report.truncations))
            note_ids.append(int(record["id"]))
        try:
            with engine.begin() as connection:
                connection.execute(delete(table).where(table.c.note_id.in_(note_ids), ours))
                if rows:
                    connection.execute(insert(table), rows)
        except IntegrityError as error:
            first, last = chunk[0][0]["id"], chunk[-1][0]["id"]
            raise ValueError(
                f"{options.table.qualified}: writing notes {first} to {last} hit rows with the "
                f"same note_nlp_id (this tool's ids are note_id * {step} + ordinal) that another "
                "system wrote, or this tool with another --ids-per-note; nothing of these notes "
                "was written. Keep one --ids-per-note per table, or use another table."
            ) from error
        report.notes += len(chunk)
        report.rows += len(rows)
    return report


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of an annotate output (JSONL), in order."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not a JSON record ({error.msg}).") from None
            if not isinstance(record, dict) or not isinstance(record.get("entities"), list):
                raise ValueError(f"{path}:{number}: not an annotate record (no entities list).")
            yield record


def with_texts(
    records: Iterable[dict[str, Any]], items: Iterable[InputItem]
) -> Iterator[tuple[dict[str, Any], str]]:
    """Each record with its note's text, taken from the input it was annotated from.

    Both are in input order (annotate writes records in the order it reads notes, a resumed run
    after the ones before), so one pass over each suffices; notes without a record (failed or
    skipped) are passed over. ValueError if a record's note is not found after the previous one's:
    the records were made from another input, or the input changed order."""
    notes = (item for item in items if isinstance(item, Note))
    for record in records:
        for note in notes:
            if note.note_id == record["id"]:
                yield record, note.text
                break
        else:
            raise ValueError(
                f"record {record['id']!r} has no note in the input after the previous record's: "
                "the output was made from another input, or the input's order changed."
            )


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
