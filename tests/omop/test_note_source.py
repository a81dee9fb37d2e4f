"""Notes read from an OMOP NOTE table or a query, in SQLite and PostgreSQL: chunked, ordered by
id, every row accounted for."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, LargeBinary, MetaData, Table, Text, create_engine, insert

from spacy_minialbert.notes.database import DatabaseNotes
from spacy_minialbert.notes.records import (
    BAD_ENCODING,
    EMPTY_TEXT,
    MISSING_ID,
    MISSING_TEXT,
    Note,
    Rejected,
)
from tests.omop.cdm import fill_note_table


def test_a_note_table_is_read_in_id_order_in_chunks(database_url: str) -> None:
    engine = create_engine(database_url)
    notes = {note_id: (note_id % 3, f"Note {note_id} text .") for note_id in (5, 1, 9, 3, 7, 2)}
    fill_note_table(engine, notes)
    engine.dispose()
    source = DatabaseNotes(database_url, table="note", chunk_size=4)
    assert source.total == 6 and source.position() == 0
    items = list(source.items())
    assert [item.note_id for item in items] == ["1", "2", "3", "5", "7", "9"]
    assert all(
        isinstance(item, Note) and item.text == f"Note {item.note_id} text ." for item in items
    )
    assert [item.source for item in items] == [f"note#{n}" for n in range(1, 7)]
    assert source.position() == 6


def test_a_query_picks_the_notes(database_url: str) -> None:
    engine = create_engine(database_url)
    notes = {1: (10, "first at (:30) ."), 2: (11, "second ."), 3: (10, "third 50% .")}
    fill_note_table(engine, notes)
    engine.dispose()
    # Taken literally: the colon of a time and the percent sign of a LIKE pattern.
    query = (
        "SELECT note_id, note_text FROM note WHERE person_id = 10 "
        "AND (note_text LIKE '%(:30)%' OR note_text LIKE '%50%%');"
    )
    source = DatabaseNotes(database_url, query=query)
    assert source.total == 2
    assert [(item.note_id, item.text) for item in source.items()] == [
        ("1", "first at (:30) ."), ("3", "third 50% ."),
    ]  # fmt: skip


def test_every_bad_row_is_reported(database_url: str) -> None:
    """A table that is not a clean NOTE: null ids, null and blank texts, bytes that are not
    UTF-8, and an id repeated across a chunk boundary (all its rows are read)."""
    engine = create_engine(database_url)
    table = Table(
        "raw_notes",
        MetaData(),
        Column("row", Integer, primary_key=True),
        Column("note_id", Integer),
        Column("note_text", Text),
    )
    table.metadata.create_all(engine)
    rows = [
        (1, 1, "one ."), (2, 2, "two ."), (3, 2, "two again ."), (4, None, "no id ."),
        (5, 3, None), (6, 4, "  \n "), (7, 5, "five ."), (8, 2, "two, third ."),
    ]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(
            insert(table),
            [{"row": r, "note_id": i, "note_text": t} for r, i, t in rows],
        )
    engine.dispose()
    items = list(DatabaseNotes(database_url, table="raw_notes", chunk_size=2).items())
    assert len(items) == len(rows)
    rejected = {(item.note_id, item.reason) for item in items if isinstance(item, Rejected)}
    assert rejected == {(None, MISSING_ID), ("3", MISSING_TEXT), ("4", EMPTY_TEXT)}
    notes = [item for item in items if isinstance(item, Note)]
    repeated = sorted(note.text for note in notes if note.note_id == "2")
    assert repeated == ["two .", "two again .", "two, third ."]
    assert sorted(note.note_id for note in notes) == ["1", "2", "2", "2", "5"]


def test_undecodable_bytes_are_reported(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'notes.db'}"
    engine = create_engine(url)
    table = Table(
        "note",
        MetaData(),
        Column("note_id", Integer, primary_key=True),
        Column("note_text", LargeBinary),
    )
    table.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(table),
            [
                {"note_id": 1, "note_text": b"Denies chest pain \xff."},
                {"note_id": 2, "note_text": b"ok ."},
            ],
        )
    engine.dispose()
    first, second = DatabaseNotes(url, table="note").items()
    assert isinstance(first, Rejected) and first.reason == BAD_ENCODING
    assert "byte 0xff at character 18" in first.detail
    assert isinstance(second, Note) and second.text == "ok ."


def test_clear_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'notes.db'}"
    fill_note_table(create_engine(url), {1: (1, "text .")})
    with pytest.raises(ValueError, match="no such table"):
        DatabaseNotes(url, table="notes")
    with pytest.raises(ValueError, match=r"no column body.*--text-column"):
        DatabaseNotes(url, table="note", text_column="body")
    with pytest.raises(ValueError, match="the query failed"):
        DatabaseNotes(url, query="SELECT nothing FROM nowhere")
    with pytest.raises(ValueError, match="either a table or a query"):
        DatabaseNotes(url)
    with pytest.raises(ValueError, match="Not a database URL"):
        DatabaseNotes("not a url", table="note")
    # Other column names, matched without case.
    source = DatabaseNotes(url, table="note", id_column="NOTE_ID", text_column="Note_Text")
    assert [item.note_id for item in source.items()] == ["1"]


def test_the_password_is_never_shown(postgres_url: str) -> None:
    # The session's server trusts loopback connections, so any password is accepted.
    with_password = postgres_url.replace("omop@", "omop:s3cret-pw@")
    engine = create_engine(with_password)
    fill_note_table(engine, {1: (1, "text .")}, name="note_pw")
    engine.dispose()
    source = DatabaseNotes(with_password, table="note_pw")
    assert "s3cret-pw" not in source.path and "***" in source.path
    assert all("s3cret-pw" not in item.source for item in source.items())
    with pytest.raises(ValueError) as error:
        DatabaseNotes(with_password, query="SELECT nothing FROM nowhere")
    assert "s3cret-pw" not in str(error.value)
