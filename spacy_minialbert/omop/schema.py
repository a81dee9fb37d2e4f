"""The OMOP CDM v5.4 ``NOTE_NLP`` table, as SQLAlchemy Core, created when missing and checked when
present (a user's table is never dropped or altered).

Columns, types and nullability follow the CDM v5.4 DDL::

    note_nlp_id                integer      NOT NULL  (primary key)
    note_id                    integer      NOT NULL
    section_concept_id         integer      NULL
    snippet                    varchar(250) NULL
    "offset"                   varchar(50)  NULL
    lexical_variant            varchar(250) NOT NULL
    note_nlp_concept_id        integer      NULL
    note_nlp_source_concept_id integer      NULL
    nlp_system                 varchar(250) NULL
    nlp_date                   date         NOT NULL
    nlp_datetime               timestamp    NULL
    term_exists                varchar(1)   NULL
    term_temporal              varchar(50)  NULL
    term_modifiers             varchar(2000) NULL

with the CDM's index on ``note_id``. The foreign keys to ``NOTE`` and ``CONCEPT`` are left out:
we ship no vocabulary, and concept id 0 ("no matching concept") would need the ``CONCEPT`` table.

Two optional additions, only on request: ``bigint_ids`` makes ``note_nlp_id`` and ``note_id``
``bigint`` (many CDMs widen the ids; our deterministic ids, ``note_id * ids_per_note + ordinal``,
need the room when note ids are large), and ``offset_columns`` adds the integer character offsets
``offset_start`` and ``offset_end`` (end exclusive) that the OHDSI NLP working group proposes next
to the text ``offset``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    inspect,
)

DEFAULT_TABLE = "note_nlp"
OFFSET_COLUMNS = ("offset_start", "offset_end")
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class TableSpec:
    """Where NOTE_NLP lives and which optional columns the writer fills."""

    name: str = DEFAULT_TABLE
    schema: str | None = None
    offset_columns: bool = False
    bigint_ids: bool = False

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


def note_nlp_table(spec: TableSpec) -> Table:
    """The table definition (not yet created)."""
    id_type = BigInteger if spec.bigint_ids else Integer
    columns: list[Column[Any]] = [
        Column("note_nlp_id", id_type, primary_key=True, autoincrement=False, nullable=False),
        Column("note_id", id_type, nullable=False),
        Column("section_concept_id", Integer, nullable=True),
        Column("snippet", String(250), nullable=True),
        Column("offset", String(50), nullable=True),
        Column("lexical_variant", String(250), nullable=False),
        Column("note_nlp_concept_id", Integer, nullable=True),
        Column("note_nlp_source_concept_id", Integer, nullable=True),
        Column("nlp_system", String(250), nullable=True),
        Column("nlp_date", Date, nullable=False),
        Column("nlp_datetime", DateTime, nullable=True),
        Column("term_exists", String(1), nullable=True),
        Column("term_temporal", String(50), nullable=True),
        Column("term_modifiers", String(2000), nullable=True),
    ]
    if spec.offset_columns:
        columns += [Column(name, Integer, nullable=True) for name in OFFSET_COLUMNS]
    table = Table(spec.name, MetaData(), *columns, schema=spec.schema)
    Index(f"idx_{spec.name}_note_id_1", table.c.note_id)
    return table


def existing_columns(engine: Engine, table: Table) -> dict[str, Any] | None:
    """None after creating ``table`` where it was missing; else the columns of the existing
    table (never changed) by lower-cased name."""
    inspector = inspect(engine)
    if not inspector.has_table(table.name, schema=table.schema):
        table.metadata.create_all(engine)
        return None
    columns = inspector.get_columns(table.name, schema=table.schema)
    return {column["name"].lower(): column for column in columns}


def ensure_note_nlp(engine: Engine, spec: TableSpec) -> tuple[Table, int, bool]:
    """The table, created if missing; an existing one is checked, never changed. Returns the
    table, the largest ``note_nlp_id`` its type holds, and whether it was created.

    ValueError when an existing table lacks a column the writer needs (naming them)."""
    table = note_nlp_table(spec)
    found = existing_columns(engine, table)
    if found is None:
        return table, _id_limit(engine, spec.bigint_ids), True
    missing = [column.name for column in table.columns if column.name not in found]
    if missing:
        hint = (
            " (the integer offsets are added only to a table this tool creates; add them with "
            "ALTER TABLE, or leave out --offset-columns)"
            if set(missing) <= set(OFFSET_COLUMNS)
            else ""
        )
        raise ValueError(
            f"The existing table {spec.qualified} has no column {', '.join(missing)}{hint}; "
            "it is not an OMOP CDM v5.4 NOTE_NLP table, and it is left as it is."
        )
    bigint = isinstance(found["note_nlp_id"]["type"], BigInteger)
    return table, _id_limit(engine, bigint), False


def _id_limit(engine: Engine, bigint: bool) -> int:
    # SQLite stores every INTEGER in up to 8 bytes; elsewhere "integer" is 4 bytes.
    return INT64_MAX if bigint or engine.dialect.name == "sqlite" else INT32_MAX
