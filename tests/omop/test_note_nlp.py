"""NOTE_NLP rows written into SQLite and a real PostgreSQL server: every column of a note with a
negated, a family, a historical and a plain mention; stable ids; crash and re-run."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import OperationalError

from spacy_minialbert.omop import (
    TableSpec,
    WriteOptions,
    read_concept_map,
    write_note_nlp,
)
from spacy_minialbert.omop.schema import note_nlp_table
from tests.omop.cdm import NOTE_ID, NOTE_TEXT, hand_record

SYSTEM = "spacy-minialbert 0.1.0; en_test_pipeline 1.2.3"
PROCESSED = datetime.datetime(2026, 12, 1, 15, 30, 0, tzinfo=datetime.timezone.utc)


def options(**overrides: Any) -> WriteOptions:
    return WriteOptions(nlp_system=SYSTEM, processed=PROCESSED, **overrides)


def all_rows(url: str, table: str = "note_nlp") -> list[dict[str, Any]]:
    engine = create_engine(url)
    try:
        # Through the reflected table, so SQLite's dates come back as dates, not text.
        reflected = Table(table, MetaData(), autoload_with=engine)
        with engine.connect() as connection:
            result = connection.execute(select(reflected).order_by(reflected.c.note_nlp_id))
            return [dict(row._mapping) for row in result]
    finally:
        engine.dispose()


def test_every_column_follows_the_cdm(database_url: str, tmp_path: Path) -> None:
    concepts = tmp_path / "concepts.csv"
    concepts.write_text(
        "kind,name,concept_id,source_concept_id\n"
        "label,PROBLEM,4274025,\n"
        "section,Family History,4167217,\n"
        "section,past_medical_history,1008364,\n"
    )
    engine = create_engine(database_url)
    report = write_note_nlp(
        engine,
        [(hand_record(), NOTE_TEXT)],
        options(concepts=read_concept_map(concepts), table=TableSpec(offset_columns=True)),
    )
    engine.dispose()
    assert (report.notes, report.rows, report.created) == (1, 4, True)
    rows = all_rows(database_url)
    assert [row["lexical_variant"] for row in rows] == [
        "chest pain", "diabetes", "hypertension", "pneumonia",
    ]  # fmt: skip
    for ordinal, row in enumerate(rows):
        assert row["note_nlp_id"] == NOTE_ID * 1000 + ordinal
        assert row["note_id"] == NOTE_ID
        start = NOTE_TEXT.index(row["lexical_variant"])
        assert row["offset"] == str(start)
        assert (row["offset_start"], row["offset_end"]) == (
            start,
            start + len(row["lexical_variant"]),
        )
        assert NOTE_TEXT[row["offset_start"] : row["offset_end"]] == row["lexical_variant"]
        assert len(row["snippet"]) == 250 and row["lexical_variant"] in row["snippet"]
        assert row["snippet"] in NOTE_TEXT
        assert (row["note_nlp_concept_id"], row["note_nlp_source_concept_id"]) == (4274025, 0)
        assert row["nlp_system"] == SYSTEM
        assert row["nlp_date"] == datetime.date(2026, 12, 1)
        assert row["nlp_datetime"] == datetime.datetime(2026, 12, 1, 15, 30, 0)
    negated, family, historical, plain = rows
    # The snippet centres the term: as many characters before it as after (the note's edges
    # permitting).
    before = NOTE_TEXT.index("hypertension") - NOTE_TEXT.index(historical["snippet"])
    assert abs(before - (250 - len("hypertension") - before)) <= 1
    # The first mention is near the start: the window starts at the note's start.
    assert negated["snippet"] == NOTE_TEXT[:250]
    assert [row["section_concept_id"] for row in rows] == [0, 4167217, 1008364, 0]
    assert [row["term_exists"] for row in rows] == ["N", "N", "Y", "Y"]
    assert [row["term_temporal"] for row in rows] == ["present", "present", "past", "present"]
    assert negated["term_modifiers"] == (
        "label=PROBLEM,negated=true,subject=patient,conditional=false,uncertain=false,"
        "historical=false,section=chief_complaint,context=NEGATED_EXISTENCE"
    )
    assert family["term_modifiers"] == (
        "label=PROBLEM,negated=false,subject=family,conditional=false,uncertain=false,"
        "historical=false,section=family_history,context=FAMILY"
    )
    assert historical["term_modifiers"] == (
        "label=PROBLEM,negated=false,subject=patient,conditional=false,uncertain=false,"
        "historical=true,section=past_medical_history,context=HISTORICAL"
    )
    assert plain["term_modifiers"] == (
        "label=PROBLEM,negated=false,subject=patient,conditional=false,uncertain=false,"
        "historical=false,section=history_of_present_illness,context="
    )


def test_the_table_follows_the_cdm_ddl(database_url: str) -> None:
    engine = create_engine(database_url)
    write_note_nlp(engine, [(hand_record(), NOTE_TEXT)], options())
    inspector = inspect(engine)
    columns = {column["name"]: column for column in inspector.get_columns("note_nlp")}
    engine.dispose()
    assert list(columns) == [
        "note_nlp_id", "note_id", "section_concept_id", "snippet", "offset", "lexical_variant",
        "note_nlp_concept_id", "note_nlp_source_concept_id", "nlp_system", "nlp_date",
        "nlp_datetime", "term_exists", "term_temporal", "term_modifiers",
    ]  # fmt: skip
    required = {name for name, column in columns.items() if not column["nullable"]}
    assert required == {"note_nlp_id", "note_id", "lexical_variant", "nlp_date"}
    widths = {name: getattr(column["type"], "length", None) for name, column in columns.items()}
    assert widths["snippet"] == 250 and widths["offset"] == 50
    assert widths["lexical_variant"] == 250 and widths["nlp_system"] == 250
    assert widths["term_exists"] == 1 and widths["term_temporal"] == 50
    assert widths["term_modifiers"] == 2000
    assert inspector.get_pk_constraint("note_nlp")["constrained_columns"] == ["note_nlp_id"]


def test_re_runs_replace_rows_and_keep_other_systems_rows(database_url: str) -> None:
    engine = create_engine(database_url)
    table = note_nlp_table(TableSpec())
    table.metadata.create_all(engine)
    theirs = {
        "note_nlp_id": 7, "note_id": NOTE_ID, "lexical_variant": "chest pain",
        "nlp_date": datetime.date(2020, 1, 1), "nlp_system": "cTAKES 4.0",
    }  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(table), [theirs])
    write_note_nlp(engine, [(hand_record(), NOTE_TEXT)], options())
    first = all_rows(database_url)
    # The same note again, now with one entity fewer (another model): its rows are replaced.
    fewer = hand_record()
    fewer["entities"] = fewer["entities"][:3]
    report = write_note_nlp(engine, [(fewer, NOTE_TEXT)], options())
    engine.dispose()
    assert report.created is False
    second = all_rows(database_url)
    assert len(first) == 5 and len(second) == 4
    assert second[0]["nlp_system"] == "cTAKES 4.0"  # never touched
    assert [row["note_nlp_id"] for row in second[1:]] == [42000, 42001, 42002]
    assert second[1:] == first[1:4]


def test_an_existing_table_is_checked_never_changed(database_url: str) -> None:
    engine = create_engine(database_url)
    users = Table("note_nlp", MetaData(), Column("note_nlp_id", Integer), Column("x", String(5)))
    users.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(users), [{"note_nlp_id": 1, "x": "kept"}])
    with pytest.raises(ValueError, match=r"has no column note_id.*left as it is"):
        write_note_nlp(engine, [(hand_record(), NOTE_TEXT)], options())
    engine.dispose()
    assert all_rows(database_url) == [{"note_nlp_id": 1, "x": "kept"}]


def test_offset_columns_need_a_table_that_has_them(database_url: str) -> None:
    engine = create_engine(database_url)
    write_note_nlp(engine, [(hand_record(), NOTE_TEXT)], options())
    with pytest.raises(ValueError, match="no column offset_start, offset_end"):
        write_note_nlp(
            engine, [(hand_record(), NOTE_TEXT)], options(table=TableSpec(offset_columns=True))
        )
    engine.dispose()


def test_ids_beyond_an_integer_column_are_refused(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    big = 3_000_000  # * 1000 is beyond PostgreSQL's 4-byte integer
    spec = TableSpec(name="note_nlp_ids")
    with pytest.raises(ValueError, match=r"beyond the largest.*--bigint-ids"):
        write_note_nlp(engine, [(hand_record(big), NOTE_TEXT)], options(table=spec))
    wide = TableSpec(name="note_nlp_bigint", bigint_ids=True)
    report = write_note_nlp(engine, [(hand_record(big), NOTE_TEXT)], options(table=wide))
    engine.dispose()
    assert report.rows == 4
    ids = [row["note_nlp_id"] for row in all_rows(postgres_url, "note_nlp_bigint")]
    assert ids == [3_000_000_000, 3_000_000_001, 3_000_000_002, 3_000_000_003]


def test_a_note_id_that_is_not_an_integer_is_refused(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'cdm.db'}")
    record = hand_record()
    record["id"] = "10000032-DS-21"
    with pytest.raises(ValueError, match="'10000032-DS-21' is not a non-negative integer"):
        write_note_nlp(engine, [(record, NOTE_TEXT)], options())
    engine.dispose()


def many_notes(count: int, first: int = 1) -> Iterator[tuple[dict[str, Any], str]]:
    for note_id in range(first, first + count):
        yield hand_record(note_id), NOTE_TEXT


def test_an_exception_mid_run_loses_nothing_on_re_run(database_url: str) -> None:
    def failing() -> Iterator[tuple[dict[str, Any], str]]:
        for number, pair in enumerate(many_notes(50), start=1):
            if number == 23:
                raise RuntimeError("the process dies here")
            yield pair

    engine = create_engine(database_url)
    with pytest.raises(RuntimeError, match="dies here"):
        write_note_nlp(engine, failing(), options(notes_per_transaction=5))
    # Whole transactions only: notes 1-20 (4 transactions), none of 21-22.
    assert sorted({row["note_id"] for row in all_rows(database_url)}) == list(range(1, 21))
    write_note_nlp(engine, many_notes(50), options(notes_per_transaction=5))
    engine.dispose()
    check_complete(database_url, 50)


def check_complete(url: str, notes: int) -> None:
    rows = all_rows(url)
    ids = [row["note_nlp_id"] for row in rows]
    expected = [note * 1000 + ordinal for note in range(1, notes + 1) for ordinal in range(4)]
    assert ids == expected  # no duplicate, no missing row
    assert len(set(ids)) == len(ids)


WRITER_SCRIPT = textwrap.dedent(
    """
    import datetime, sys
    from sqlalchemy import create_engine
    from spacy_minialbert.omop import WriteOptions, write_note_nlp
    from tests.omop.cdm import NOTE_TEXT, hand_record

    url, count = sys.argv[1], int(sys.argv[2])
    pairs = ((hand_record(n), NOTE_TEXT) for n in range(1, count + 1))
    system = "spacy-minialbert 0.1.0; en_test 1.0"
    options = WriteOptions(nlp_system=system, notes_per_transaction=2)
    write_note_nlp(create_engine(url), pairs, options)
    """
)


def test_a_killed_writer_process_is_completed_by_a_re_run(database_url: str) -> None:
    count = 1000
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, database_url, str(count)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    engine = create_engine(database_url)
    written = 0
    deadline = time.monotonic() + 120
    try:
        while written < 200 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
            try:
                if inspect(engine).has_table("note_nlp"):
                    with engine.connect() as connection:
                        written = connection.execute(
                            select(func.count()).select_from(text("note_nlp"))
                        ).scalar_one()
            except OperationalError:
                continue  # SQLite: the writer holds the lock; look again

    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    with engine.connect() as connection:
        partial = connection.execute(
            select(func.count()).select_from(text("note_nlp"))
        ).scalar_one()
    assert 0 < partial < count * 4, "the writer was not killed mid-run"
    assert partial % 4 == 0  # whole notes only
    write_note_nlp(engine, many_notes(count), options(notes_per_transaction=200))
    engine.dispose()
    check_complete(database_url, count)


def test_snippets_and_modifier_listings_at_the_edges() -> None:
    from spacy_minialbert.omop.rows import snippet, term_modifiers

    text = "x" * 100 + "T" * 300 + "y" * 100
    assert snippet(text, 100, 400) == "T" * 250  # a term longer than the window: its start
    assert snippet("short note", 6, 10) == "short note"  # a note shorter than the window
    near_end = "a" * 400 + "term"
    assert snippet(near_end, 400, 404) == near_end[-250:]
    entity = hand_record()["entities"][0] | {"label": "A,B=C;D%"}
    listing = term_modifiers(entity)
    assert listing.startswith("label=A%2CB%3DC%3BD%25,negated=true,")
    assert dict(pair.split("=", 1) for pair in listing.split(","))["subject"] == "patient"


def test_an_id_taken_by_another_system_stops_the_write_cleanly(database_url: str) -> None:
    engine = create_engine(database_url)
    table = note_nlp_table(TableSpec())
    table.metadata.create_all(engine)
    theirs = {
        "note_nlp_id": 2001, "note_id": 2, "lexical_variant": "x",
        "nlp_date": datetime.date(2020, 1, 1), "nlp_system": "cTAKES 4.0",
    }  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(table), [theirs])
    with pytest.raises(ValueError, match="writing notes 1 to 3 hit rows with the same"):
        write_note_nlp(engine, many_notes(3), options(notes_per_transaction=5))
    engine.dispose()
    assert all_rows(database_url) == [theirs | {
        "section_concept_id": None, "snippet": None, "offset": None,
        "note_nlp_concept_id": None, "note_nlp_source_concept_id": None, "nlp_datetime": None,
        "term_exists": None, "term_temporal": None, "term_modifiers": None,
    }]  # fmt: skip


def test_a_cdm_schema_on_postgresql(postgres_url: str) -> None:
    """Notes read from and rows written into a CDM schema, as OMOP databases keep them."""
    from spacy_minialbert.notes.database import DatabaseNotes
    from tests.omop.cdm import note_table

    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE SCHEMA cdm_schema_test"))
    notes = note_table(name="note")
    notes.schema = "cdm_schema_test"
    notes.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(notes),
            [{
                "note_id": NOTE_ID, "person_id": 1, "note_date": datetime.date(2150, 1, 1),
                "note_type_concept_id": 0, "note_class_concept_id": 0, "note_text": NOTE_TEXT,
                "encoding_concept_id": 0, "language_concept_id": 0,
            }],
        )  # fmt: skip
    source = DatabaseNotes(postgres_url, table="note", schema="cdm_schema_test")
    (note,) = source.items()
    assert source.label == "cdm_schema_test.note" and note.text == NOTE_TEXT
    spec = TableSpec(schema="cdm_schema_test")
    report = write_note_nlp(engine, [(hand_record(), note.text)], options(table=spec))
    assert report.table == "cdm_schema_test.note_nlp" and report.rows == 4
    assert inspect(engine).has_table("note_nlp", schema="cdm_schema_test")
    assert not inspect(engine).has_table("note_nlp")  # nothing in the default schema
    engine.dispose()
