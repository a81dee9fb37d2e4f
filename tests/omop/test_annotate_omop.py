"""`spacy-minialbert annotate-omop`: notes from an OMOP NOTE table (SQLite, PostgreSQL) through the
tiny trained pipeline into NOTE_NLP; every row agrees with the JSONL record and the note's text;
a re-run writes the same rows, none twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, create_engine, select
from typer.testing import CliRunner

from spacy_minialbert.cli import app
from spacy_minialbert.cli import commands as _commands  # noqa: F401  (registers the commands)
from tests.omop.cdm import fill_note_table

NOTES = {
    11: (
        1,
        "CHIEF COMPLAINT:\nPatient denies chest pain .\n\nFAMILY HISTORY:\nMother has diabetes .\n",
    ),
    12: (1, "PAST MEDICAL HISTORY:\nHistory of hypertension .\n"),
    13: (2, "HPI:\nAdmitted on [**2150-3-4**] with pneumonia , given antibiotics .\n"),
    14: (3, "   \n"),  # empty: reported, not annotated
    15: (3, "HPI:\nThe patient has asthma and was given aspirin daily .\n"),
}


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and result.exit_code != 0:
        import traceback

        traceback.print_exception(result.exception)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def note_nlp(url: str) -> list[dict[str, Any]]:
    engine = create_engine(url)
    try:
        table = Table("note_nlp", MetaData(), autoload_with=engine)
        with engine.connect() as connection:
            rows = connection.execute(select(table).order_by(table.c.note_nlp_id))
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def test_note_table_to_note_nlp(composed_pipeline: Path, database_url: str, tmp_path: Path) -> None:
    engine = create_engine(database_url)
    fill_note_table(engine, NOTES)
    engine.dispose()
    output = tmp_path / "notes.jsonl"
    args = (
        "annotate-omop", str(composed_pipeline), str(output), "--db", database_url,
        "--table", "note", "--offset-columns", "--no-progress", "--batch-size", "2",
        "--notes-per-transaction", "2",
    )  # fmt: skip
    printed = run(*args)
    records = [json.loads(line) for line in output.read_text().splitlines()]
    assert [record["id"] for record in records] == ["11", "12", "13", "15"]
    summary = json.loads((tmp_path / "notes.summary.json").read_text())
    assert summary["failed_by_reason"] == {"empty text": 1}
    rows = note_nlp(database_url)
    entities = [(record, entity) for record in records for entity in record["entities"]]
    assert entities, "the tiny pipeline found no entity"
    assert f"{len(rows)} rows for 4 notes" in printed
    assert len(rows) == len(entities)
    for row, (record, entity) in zip(rows, entities, strict=True):
        text = NOTES[int(record["id"])][1]
        ordinal = record["entities"].index(entity)
        assert row["note_nlp_id"] == int(record["id"]) * 1000 + ordinal
        assert row["note_id"] == int(record["id"])
        assert text[row["offset_start"] : row["offset_end"]] == row["lexical_variant"]
        assert (row["offset_start"], row["offset_end"]) == (entity["start"], entity["end"])
        assert row["offset"] == str(entity["start"])
        assert row["lexical_variant"] in row["snippet"] and row["snippet"] in text
        flags = ("negated", "family", "hypothetical", "uncertain")
        assert row["term_exists"] == ("N" if any(entity[f] for f in flags) else "Y")
        assert row["term_temporal"] == ("past" if entity["historical"] else "present")
        assert f"label={entity['label']}," in row["term_modifiers"]
        assert f"negated={str(entity['negated']).lower()}," in row["term_modifiers"]
        assert row["nlp_system"].startswith("spacy-minialbert ")
        assert row["section_concept_id"] == 0 and row["note_nlp_concept_id"] == 0
    # Again: annotate resumes (nothing new), NOTE_NLP is rewritten with the same ids.
    assert "Created the OMOP CDM v5.4 table note_nlp." in printed
    assert "Created" not in run(*args)
    again = note_nlp(database_url)
    moment = ("nlp_date", "nlp_datetime")
    strip = [{k: v for k, v in row.items() if k not in moment} for row in rows]
    assert [{k: v for k, v in row.items() if k not in moment} for row in again] == strip


def test_the_pipeline_is_named_without_loading_it(composed_pipeline: Path) -> None:
    """With several processes the main process does not load the pipeline; nlp_system comes
    from its meta.json."""
    from spacy_minialbert.cli.omop import _pipeline_meta
    from spacy_minialbert.omop import nlp_system_name

    meta = json.loads((composed_pipeline / "meta.json").read_text())
    read = _pipeline_meta(str(composed_pipeline))
    assert [read[key] for key in ("lang", "name", "version")] == [
        meta["lang"], meta["name"], meta["version"],
    ]  # fmt: skip
    name = nlp_system_name(meta)
    assert name.startswith("spacy-minialbert ")
    assert name.endswith(f"; {meta['lang']}_{meta['name']} {meta['version']}")
