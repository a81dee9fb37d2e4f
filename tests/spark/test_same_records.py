"""The Spark engine and the local command on the same NOTEEVENTS-style CSV give the same records:
entities with their ConText flags and modifiers, sections, categories, the same failed records
with the same reasons, and the same counts. The notes include an empty one, one that makes a
component raise, one full of MIMIC placeholders, and one of over 20,000 words; the Spark job
succeeds with the failures as rows. The pipeline goes to the workers as a zipped directory
(SparkContext.addArchive) and its custom components as a --code file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.annotate.test_long_note import LONG_NOTE
from tests.spark import components
from tests.spark.conftest import COMPONENTS_FILE
from tests.spark.support import read_jsonl, run_cli, spark_output
from tests.support.synthetic_notes import TEST_NOTE

PLACEHOLDERS = (
    "Pt [**Known lastname 1234**] seen by Dr. [**First Name8 (NamePattern2) 5678**] on "
    "[**2150-3-4**] at [**Hospital1 18**] ([**Telephone/Fax (1) 2345**]) for asthma ; "
) * 12 + "denies chest pain ."
NOTES = [
    ("101", "", TEST_NOTE),
    ("102", "", "HPI:\r\nSeen by Dr. [**First Name (Titles) **] for asthma .\r\n"),
    ("103", "", "   \n"),
    ("104", "1", "Patient denies chest pain ."),  # ISERROR: skipped by both
    ("105", "", f"Reports fever . {components.FAILURE_MARKER}"),
    ("106", "", 'Past Medical History:\nHistory of "hypertension" , treated .'),
    ("107", "", PLACEHOLDERS),
    ("108", "", LONG_NOTE),
    ("101", "", "A second record with the id of the first ."),
]


def _csv(path: Path) -> Path:
    lines = ["ROW_ID,SUBJECT_ID,CATEGORY,ISERROR,TEXT\n"]
    for row_id, iserror, text in NOTES:
        quoted = '"' + text.replace('"', '""') + '"'
        lines.append(f"{row_id},7,Discharge summary,{iserror},{quoted}\n")
    path.write_bytes("".join(lines).encode("utf-8"))
    return path


def _entities_by_id(entities: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entity in sorted(entities, key=lambda e: (e["start"], e["end"], e["label"])):
        entity.pop("part")
        grouped.setdefault(entity.pop("id"), []).append(entity)
    return grouped


def test_spark_and_local_give_identical_records(
    spark: Any, failing_pipeline: Path, tmp_path: Path
) -> None:
    assert len(LONG_NOTE.split()) > 20_000
    notes = _csv(tmp_path / "NOTEEVENTS.csv")
    local_out = tmp_path / "local.jsonl"
    local = run_cli("annotate", str(failing_pipeline), str(notes), str(local_out), "--no-progress")
    assert local.exit_code == 0, local.output + repr(local.exception)
    spark_out = tmp_path / "spark-out"
    result = run_cli(
        "annotate-spark", str(failing_pipeline), str(notes), str(spark_out),
        "--code", str(COMPONENTS_FILE), "--parts", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output + repr(result.exception)

    records = {record["id"]: record for record in read_jsonl(local_out)}
    errors = read_jsonl(tmp_path / "local.errors.jsonl")
    rows, entity_rows = spark_output(spark, spark_out)
    entities = _entities_by_id(entity_rows)

    ok = {row["id"]: row for row in rows if row["status"] == "ok"}
    assert sorted(ok) == sorted(records) == ["101", "102", "106", "107", "108"]
    for note_id, record in records.items():
        row = ok[note_id]
        assert row["categories"] == record["categories"], note_id
        assert row["sections"] == record["sections"], note_id
        expected = sorted(record["entities"], key=lambda e: (e["start"], e["end"], e["label"]))
        assert entities.get(note_id, []) == expected, note_id
        assert row["source"].endswith("NOTEEVENTS.csv")
    assert len(records["108"]["entities"]) > 0 and entities["108"][-1]["negated"]
    assert any(entity["modifiers"] for entity in entity_rows)

    failed = sorted((r["id"], r["reason"], r["detail"]) for r in rows if r["status"] == "failed")
    assert failed == sorted((e["id"], e["reason"], e["detail"]) for e in errors)
    assert {reason for _, reason, _ in failed} == {"empty text", "pipeline error", "duplicate id"}
    spark_errors = read_jsonl(spark_out / "errors.jsonl")
    assert sorted((e["id"], e["reason"]) for e in spark_errors) == sorted(
        (e["id"], e["reason"]) for e in errors
    )
    one = json.loads((tmp_path / "local.summary.json").read_text())
    two = json.loads((spark_out / "summary.json").read_text())
    for key in ("read", "written", "skipped_by_reason", "failed_by_reason", "words"):
        assert two[key] == one[key], key
