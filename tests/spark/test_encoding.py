"""annotate-spark follows the local readers' encoding policy: a CSV row or JSONL line holding a
byte that is not valid UTF-8 is a failed record ("unreadable encoding") whose detail names the
field, the byte and the character, exactly as `annotate` reports it, and is counted in the
summary and listed in errors.jsonl; the other notes are annotated. Nothing is replaced by
U+FFFD. A character escaped in JSON (\\u00e9) or written as UTF-8 is text, not a failure."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from spacy_minialbert.notes import CsvNotes, Note
from spacy_minialbert.notes.records import BAD_ENCODING
from spacy_minialbert.spark.decoding import BYTES, csv_record, decoded_header
from tests.spark.support import read_jsonl, run_cli, spark_output

BAD_ID = "3"
NOTES = [
    ("1", b"Reports fever ."),
    ("2", "Caf\u00e9 patient , denies chest pain .".encode()),  # \u00e9 as UTF-8: valid
    (BAD_ID, b"Pt seen at caf\xe9 , reports fever ."),  # byte 0xe9 alone: not UTF-8
    ("4", b"Mother has asthma ."),
]


def _csv(path: Path) -> Path:
    rows = [b"ROW_ID,CATEGORY,TEXT\n"]
    rows += [note_id.encode() + b',Nursing,"' + text + b'"\n' for note_id, text in NOTES]
    path.write_bytes(b"".join(rows))
    return path


def _jsonl(path: Path) -> Path:
    lines = [b'{"id": "%s", "text": "%s"}\n' % (note_id.encode(), text) for note_id, text in NOTES]
    lines.append(b'{"id": "5", "text": "Escaped caf\\u00e9 ."}\n\n')  # an escape is text
    path.write_bytes(b"".join(lines))
    return path


@pytest.mark.parametrize("make", [_csv, _jsonl], ids=["csv", "jsonl"])
def test_undecodable_bytes_fail_the_record_as_locally(
    spark: Any, composed_pipeline: Path, tmp_path: Path, make: Any
) -> None:
    suffix = ".csv" if make is _csv else ".jsonl"
    notes = make(tmp_path / f"notes{suffix}")
    local_out = tmp_path / "local.jsonl"
    local = run_cli("annotate", str(composed_pipeline), str(notes), str(local_out), "--no-progress")
    assert local.exit_code == 0, local.output + repr(local.exception)
    spark_out = tmp_path / "spark-out"
    result = run_cli("annotate-spark", str(composed_pipeline), str(notes), str(spark_out))
    assert result.exit_code == 0, result.output + repr(result.exception)

    rows, _ = spark_output(spark, spark_out)
    failed = [row for row in rows if row["status"] == "failed"]
    assert len(failed) == 1
    (row,) = failed
    assert row["reason"] == "unreadable encoding"
    assert "byte 0xe9 at character 14" in row["detail"]
    assert row["detail"].startswith("TEXT: " if make is _csv else "text: ")
    # The CSV names the row's id; a JSONL line fails whole, its id unread (the byte may be in it).
    assert row["id"] == (BAD_ID if make is _csv else None)
    ok = {row["id"]: row for row in rows if row["status"] == "ok"}
    assert sorted(ok) == (["1", "2", "4"] if make is _csv else ["1", "2", "4", "5"])
    assert not any("\ufffd" in json.dumps(row) for row in rows)

    local_errors = read_jsonl(tmp_path / "local.errors.jsonl")
    spark_errors = read_jsonl(spark_out / "errors.jsonl")
    assert [(e["id"], e["reason"], e["detail"]) for e in spark_errors] == [
        (e["id"], e["reason"], e["detail"]) for e in local_errors
    ]
    summary = json.loads((spark_out / "summary.json").read_text())
    local_summary = json.loads((tmp_path / "local.summary.json").read_text())
    assert summary["failed_by_reason"] == {"unreadable encoding": 1}
    for key in ("read", "written", "failed_by_reason"):
        assert summary[key] == local_summary[key], key


def test_rows_as_spark_parses_them_fail_for_the_local_readers_reasons(tmp_path: Path) -> None:
    """The decoding of one record (no Spark: the csv module parses in ISO-8859-1 as Spark does)
    gives the local reader's outcome, reason and detail for a bad byte in the id, in the text,
    in another column, and in an ISERROR row (skipped first, as locally)."""
    path = tmp_path / "notes.csv"
    path.write_bytes(
        b"ROW_ID,CATEGORY,ISERROR,TEXT\n1,Nursing,,fine\n2\xff,Nursing,,fine\n"
        b"3,Nurs\xe9,,fine\n4,Nursing,1,caf\xe9\n5,Nursing,,caf\xe9\n6,Nursing,,   \n"
    )
    with path.open(encoding=BYTES, newline="") as file:
        names, *rows = list(csv.reader(file))
    header = decoded_header(names, "utf-8")
    read = [
        csv_record(values, None, str(path), header=header, id_index=0, text_index=3,
                   flag_index=2, encoding="utf-8", keep_iserror=False)
        for values in rows
    ]  # fmt: skip
    for record, item in zip(read, CsvNotes(path).items(), strict=True):
        if isinstance(item, Note):
            assert (record.id, record.text, record.reject) == (item.note_id, item.text, None)
        elif item.outcome == "skipped":
            assert (record.id, record.skip) == (item.note_id, item.reason)
        elif item.reason == "empty text":  # left to the worker's check, as before
            assert (record.id, record.text, record.reject) == ("6", "   ", None)
        else:
            assert (record.id, record.reject, record.detail) == (
                item.note_id, item.reason, item.detail
            )  # fmt: skip
    assert [record.reject for record in read] == [None, BAD_ENCODING, BAD_ENCODING, None,
                                                  BAD_ENCODING, None]  # fmt: skip
