"""Loading MIMIC-IV-Note files into an OMOP CDM v5.4 ``NOTE`` table, so that their notes can be
annotated from it (``annotate-omop --db URL --table note``) and their ``NOTE_NLP`` rows joined to
patients. A minimal load, not a full MIMIC-IV ETL: a site that runs the OHDSI MIMIC-IV ETL
already has ``NOTE`` and annotates that.

The table (created if missing with the CDM's columns, types and nullability; an existing one is
checked, never changed) gets one row per note:

``note_id``
    The next integer after the largest in the table, in file order.
``person_id``
    ``subject_id``.
``note_date`` / ``note_datetime``
    ``charttime``.
``note_type_concept_id``, ``note_class_concept_id``, ``encoding_concept_id``,
``language_concept_id``
    0 (we ship no vocabulary; a site sets its own concepts).
``note_title``
    The note type in words (``Discharge summary``, ``Radiology report``, ``Radiology addendum``).
``note_text``
    ``text``, exactly.
``visit_occurrence_id``
    ``hadm_id`` (NULL for a note outside a hospital stay), as MIMIC numbers it.
``note_source_value``
    MIMIC's ``note_id`` (``10000032-DS-21``): a note already in the table by this value is not
    loaded again, so a re-run after a crash adds only what is missing (rows go in per
    transaction of ``notes_per_transaction``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
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
    func,
    insert,
    select,
)

from ..corpora.account import Account
from ..corpora.mimic_iv import mimic_iv_note_documents
from ..corpora.records import DocumentRecord
from .schema import existing_columns
from .writer import chunks

NOTE_TITLES = {"DS": "Discharge summary", "RR": "Radiology report", "AR": "Radiology addendum"}


def note_table(name: str = "note", schema: str | None = None) -> Table:
    """OMOP CDM v5.4 NOTE."""
    return Table(
        name,
        MetaData(),
        Column("note_id", Integer, primary_key=True, autoincrement=False, nullable=False),
        Column("person_id", Integer, nullable=False),
        Column("note_date", Date, nullable=False),
        Column("note_datetime", DateTime, nullable=True),
        Column("note_type_concept_id", Integer, nullable=False),
        Column("note_class_concept_id", Integer, nullable=False),
        Column("note_title", String(250), nullable=True),
        Column("note_text", Text, nullable=False),
        Column("encoding_concept_id", Integer, nullable=False),
        Column("language_concept_id", Integer, nullable=False),
        Column("provider_id", Integer, nullable=True),
        Column("visit_occurrence_id", Integer, nullable=True),
        Column("visit_detail_id", Integer, nullable=True),
        Column("note_source_value", String(50), nullable=True),
        Column("note_event_id", BigInteger, nullable=True),
        Column("note_event_field_concept_id", Integer, nullable=True),
        schema=schema,
    )


@dataclass
class LoadReport:
    loaded: int = 0
    already_there: int = 0
    account: Account = field(default_factory=lambda: Account("mimic-iv-note"))

    def format(self) -> str:
        line = f"NOTE: {self.loaded} notes loaded, {self.already_there} already in the table"
        excluded = sum(self.account.documents_excluded.values())
        failed = sum(self.account.documents_failed.values())
        if excluded or failed:
            reasons = dict(self.account.documents_excluded + self.account.documents_failed)
            line += f"; {excluded} rows excluded and {failed} failed ({reasons})"
        return line


def load_mimic_iv_notes(
    engine: Engine,
    paths: Iterable[Path],
    *,
    table_name: str = "note",
    schema: str | None = None,
    notes_per_transaction: int = 500,
) -> LoadReport:
    """Load the notes of MIMIC-IV-Note files into NOTE (see the module docstring)."""
    table = note_table(table_name, schema)
    found = existing_columns(engine, table)
    missing = [c.name for c in table.columns if found is not None and c.name not in found]
    if missing:
        raise ValueError(
            f"The existing table {table_name} has no column {', '.join(missing)}; it is not "
            "an OMOP CDM v5.4 NOTE table, and it is left as it is."
        )
    with engine.connect() as connection:
        next_id = int(connection.execute(select(func.max(table.c.note_id))).scalar() or 0) + 1
    report = LoadReport()
    records = (
        record for path in paths for record in mimic_iv_note_documents(path, account=report.account)
    )
    for batch in chunks(records, notes_per_transaction):
        next_id = _load(engine, table, batch, next_id, report)
    return report


def _load(
    engine: Engine, table: Table, batch: list[DocumentRecord], next_id: int, report: LoadReport
) -> int:
    with engine.begin() as connection:
        values = [record.doc_id for record in batch]
        present = set(
            connection.execute(
                select(table.c.note_source_value).where(table.c.note_source_value.in_(values))
            ).scalars()
        )
        rows = []
        for record in batch:
            if record.doc_id in present:
                report.already_there += 1
                continue
            present.add(record.doc_id)
            rows.append(_row(record, next_id))
            next_id += 1
        if rows:
            connection.execute(insert(table), rows)
    report.loaded += len(rows)
    return next_id


def _row(record: DocumentRecord, note_id: int) -> dict[str, Any]:
    where = f"{record.source}:{record.meta.get('line')}"
    charted = _datetime(record.meta.get("charttime", ""), where)
    note_type = next(name for name, value in record.cats.items() if value)
    hadm_id = record.meta.get("hadm_id", "").strip()
    if len(record.doc_id) > 50:
        raise ValueError(f"{where}: note_id is longer than note_source_value's 50 characters.")
    return {
        "note_id": note_id,
        "person_id": _integer(record.group or "", where, "subject_id"),
        "note_date": charted.date(),
        "note_datetime": charted,
        "note_type_concept_id": 0,
        "note_class_concept_id": 0,
        "note_title": NOTE_TITLES[note_type],
        "note_text": record.text,
        "encoding_concept_id": 0,
        "language_concept_id": 0,
        "visit_occurrence_id": _integer(hadm_id, where, "hadm_id") if hadm_id else None,
        "note_source_value": record.doc_id,
    }


def _datetime(value: str, where: str) -> datetime:
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{where}: charttime {value!r} is not a date and time.") from None


def _integer(value: str, where: str, column: str) -> int:
    if not value.strip().isdigit():
        raise ValueError(f"{where}: {column} {value!r} is not a whole number.")
    return int(value)
