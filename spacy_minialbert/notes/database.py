"""Notes from a database table or query, such as an OMOP CDM ``NOTE`` table, through SQLAlchemy.

``DatabaseNotes(url, table="note")`` reads ``note_id`` and ``note_text`` (other names with
``id_column``/``text_column``, matched without case); ``query="SELECT ..."`` reads the rows of a
query instead (it must return those two columns; a ``WHERE`` on ``note_type_concept_id``,
``note_date`` or ``person_id`` picks the notes). The other NOTE columns are not needed: NOTE_NLP
rows point back to the note by ``note_id``.

Rows are read in chunks of ``chunk_size`` ordered by id, each chunk a short query of its own
(keyset paging: the ids after the last one read), so no transaction or cursor stays open while
the notes are annotated: another connection can write into the same database meanwhile (SQLite
would otherwise be locked), and a re-run meets the notes in the same order. Rows sharing an id
are all read (the run reports the repeats); rows with no id are reported as missing an id; a
missing, empty or undecodable text is reported like any other input's.

Each note's source is ``<table>#<n>`` (``query#<n>``), its place in id order; the database URL is
shown without its password.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .encoding import DEFAULT_ENCODING, decode
from .records import MALFORMED, MISSING_ID, InputItem, Rejected, check_note

DEFAULT_ID_COLUMN = "note_id"
DEFAULT_TEXT_COLUMN = "note_text"


class DatabaseNotes:
    """A table or query as a :class:`~.records.NoteSource`; progress counts rows."""

    unit = "note"

    def __init__(
        self,
        url: str,
        *,
        table: str | None = None,
        query: str | None = None,
        schema: str | None = None,
        id_column: str | None = None,
        text_column: str | None = None,
        chunk_size: int = 500,
    ) -> None:
        try:
            from sqlalchemy import create_engine, func, select
            from sqlalchemy.exc import ArgumentError
        except ImportError as error:  # the omop extra is not installed
            raise ValueError(
                "Reading notes from a database needs SQLAlchemy: pip install "
                "'spacy-minialbert[omop]'."
            ) from error
        if (table is None) == (query is None):
            raise ValueError("Give either a table or a query to read notes from, not both.")
        if chunk_size < 1:
            raise ValueError(f"The chunk size must be at least 1, not {chunk_size}.")
        try:
            self._engine = create_engine(url)
        except ArgumentError as error:
            raise ValueError(f"Not a database URL: {error}") from None
        shown = self._engine.url.render_as_string(hide_password=True)
        self.label = (f"{schema}.{table}" if schema else table) if table else "query"
        self.path = f"{shown} {self.label}"
        self.chunk_size = chunk_size
        self._read = 0
        self._from, columns = self._relation(table, query, schema)
        self._id = _find_column(columns, id_column or DEFAULT_ID_COLUMN, self.path, "--id-column")
        self._text = _find_column(
            columns, text_column or DEFAULT_TEXT_COLUMN, self.path, "--text-column"
        )
        with self._engine.connect() as connection:
            counted = connection.execute(select(func.count()).select_from(self._from))
            self.total: int | None = int(counted.scalar_one())

    def _relation(
        self, table: str | None, query: str | None, schema: str | None
    ) -> tuple[Any, list[str]]:
        """The table, or the query as a subquery, and its column names."""
        from sqlalchemy import MetaData, Table, column, text
        from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError

        if table is not None:
            try:
                reflected = Table(table, MetaData(), schema=schema, autoload_with=self._engine)
            except NoSuchTableError:
                raise ValueError(f"{self.path}: no such table.") from None
            return reflected, list(reflected.columns.keys())
        assert query is not None
        # The query is taken literally: a colon followed by a word (':30' in a string) is not a
        # bind parameter to SQLAlchemy.
        body = query.strip().rstrip(";").replace(":", "\\:")
        try:
            with self._engine.connect() as connection:
                # The column names without fetching rows: the query wrapped to return none.
                empty = text(f"SELECT * FROM ({body}) AS notes WHERE 1 = 0")
                names = list(connection.execute(empty).keys())
        except SQLAlchemyError as error:
            raise ValueError(f"{self.path}: the query failed: {error}") from None
        subquery = text(body).columns(*(column(name) for name in names)).subquery("notes")
        return subquery, names

    def position(self) -> int:
        return self._read

    def items(self) -> Iterator[InputItem]:
        from sqlalchemy import func, select

        id_column, text_column = self._from.c[self._id], self._from.c[self._text]
        base = select(id_column, text_column)
        with self._engine.connect() as connection:
            nulls = connection.execute(
                select(func.count()).select_from(self._from).where(id_column.is_(None))
            ).scalar_one()
        for _ in range(nulls):
            self._read += 1
            yield Rejected(
                None, f"{self.label}#{self._read}", "failed", MISSING_ID,
                f"{self._id} is NULL",
            )  # fmt: skip
        last: Any = None
        repeats = 0  # rows already read whose id equals `last`
        while True:
            query = base.where(id_column.is_not(None)).order_by(id_column)
            if last is not None:
                query = query.where(id_column >= last)
            query = query.limit(self.chunk_size + repeats)
            # The chunk is fetched whole and the connection given back before annotating.
            with self._engine.connect() as connection:
                rows = connection.execute(query).all()
            rows = rows[repeats:]
            if not rows:
                return
            for note_id, value in rows:
                self._read += 1
                yield self._item(note_id, value, f"{self.label}#{self._read}")
                repeats = repeats + 1 if note_id == last else 1
                last = note_id

    def _item(self, note_id: Any, value: Any, source: str) -> InputItem:
        shown_id = str(note_id)
        if isinstance(value, (bytes, bytearray, memoryview)):
            value = decode(bytes(value), DEFAULT_ENCODING)
        if value is not None and not isinstance(value, str):
            return Rejected(
                shown_id, source, "failed", MALFORMED,
                f"{self._text} is a {type(value).__name__}, not text",
            )  # fmt: skip
        return check_note(shown_id, value, source, id_name=self._id, text_name=self._text)


def _find_column(columns: list[str], wanted: str, where: str, option: str) -> str:
    for name in columns:
        if name.lower() == wanted.strip().lower():
            return name
    raise ValueError(
        f"{where}: there is no column {wanted} (found: {', '.join(columns) or 'none'}); choose "
        f"the column with {option}."
    )
