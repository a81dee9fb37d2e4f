"""`spacy-minialbert load-notes`: MIMIC-IV-Note files (synthetic) into an OMOP NOTE table in SQLite
and PostgreSQL; a re-run loads nothing twice."""

from __future__ import annotations

import datetime
from pathlib import Path

from sqlalchemy import MetaData, Table, create_engine, select
from typer.testing import CliRunner

from spacy_minialbert.cli import app
from spacy_minialbert.cli import commands as _commands  # noqa: F401  (registers the commands)
from tests.omop.mimic_iv_files import subjects, texts, write_mimic_iv


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def test_load_notes_then_again(database_url: str, tmp_path: Path) -> None:
    discharge, radiology = write_mimic_iv(tmp_path / "mimic")
    printed = run("load-notes", str(discharge), str(radiology), "--db", database_url)
    assert "6 notes loaded, 0 already in the table" in printed
    assert "'empty text': 1" in printed and "'unknown note type': 1" in printed
    printed = run("load-notes", str(discharge), str(radiology), "--db", database_url)
    assert "0 notes loaded, 6 already in the table" in printed
    engine = create_engine(database_url)
    table = Table("note", MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(select(table).order_by("note_id"))]
    engine.dispose()
    assert [row["note_id"] for row in rows] == [1, 2, 3, 4, 5, 6]
    for row in rows:
        source = row["note_source_value"]
        assert row["note_text"] == texts()[source]
        assert row["person_id"] == int(subjects()[source])
    first, report = rows[0], rows[3]
    assert first["note_date"] == datetime.date(2180, 5, 7)
    assert first["note_title"] == "Discharge summary" and first["visit_occurrence_id"] == 22595853
    assert report["note_title"] == "Radiology report" and report["visit_occurrence_id"] is None
    assert report["note_datetime"] == datetime.datetime(2181, 11, 15, 14, 33)


def test_annotate_omop_sends_mimic_iv_files_through_note(tmp_path: Path) -> None:
    discharge, _ = write_mimic_iv(tmp_path / "mimic")
    args = ["annotate-omop", "no-model-needed", str(tmp_path / "notes.jsonl"), "--input"]
    args += [str(discharge), "--note-nlp-db", f"sqlite:///{tmp_path / 'cdm.db'}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert isinstance(result.exception, ValueError)
    assert "load-notes" in str(result.exception)
    assert not (tmp_path / "notes.jsonl").exists()
