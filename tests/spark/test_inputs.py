"""annotate-spark reads CSV, JSONL, Parquet and tables by the local command's rules: texts
exactly as stored (line breaks, doubled quotes), ISERROR rows skipped, malformed rows failed,
an empty CSV field an empty text (not a missing one), ids as strings; and a missing column is
refused with the columns it found."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from spacy_minialbert.spark.inputs import InputOptions, detect_format, read_notes


def _rows(frame: Any) -> dict[str | None, dict[str, Any]]:
    return {row["id"]: row.asDict() for row in frame.collect()}


def test_csv_like_noteevents(spark: Any, tmp_path: Path) -> None:
    path = tmp_path / "NOTEEVENTS.csv"
    path.write_bytes(
        b"ROW_ID,ISERROR,TEXT\n"
        b'1,,"HPI:\r\nSeen by Dr. [**Name**] for ""asthma"" ,\nthen home ."\n'
        b'2,1,"flagged by a physician"\n'
        b"3,,\n"
        b'4,,"one","field","too many"\n'
    )
    rows = _rows(read_notes(spark, str(path), InputOptions()))
    assert rows["1"]["text"] == 'HPI:\r\nSeen by Dr. [**Name**] for "asthma" ,\nthen home .'
    assert rows["1"]["source"].endswith("NOTEEVENTS.csv") and rows["1"]["_reject"] is None
    assert rows["2"]["_skip"] == "ISERROR=1"
    assert rows["3"]["text"] == "" and rows["3"]["_reject"] is None
    assert rows["4"]["_reject"] == "malformed record"
    assert "3 fields" in rows["4"]["_detail"]
    kept = _rows(read_notes(spark, str(path), InputOptions(keep_iserror=True)))
    assert kept["2"]["_skip"] is None

    with pytest.raises(ValueError, match=r"no column NOTE_TEXT \(found: ROW_ID, ISERROR, TEXT\)"):
        read_notes(spark, str(path), InputOptions(text_column="NOTE_TEXT"))


def test_jsonl_parquet_and_tables(spark: Any, tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text(
        json.dumps({"id": 17, "text": "Reports fever ."}) + "\n" + "not json\n"
        + json.dumps({"id": "b"}) + "\n"
    )  # fmt: skip
    rows = _rows(read_notes(spark, str(path), InputOptions()))
    assert rows["17"]["text"] == "Reports fever ." and rows["b"]["text"] is None
    assert rows[None]["_reject"] == "malformed record"

    frame = spark.createDataFrame([(5, "Denies chest pain .")], "note_id int, body string")
    frame.write.parquet(str(tmp_path / "notes.parquet"))
    options = InputOptions(id_column="note_id", text_column="body")
    (row,) = read_notes(spark, str(tmp_path / "notes.parquet"), options).collect()
    assert (row["id"], row["text"]) == ("5", "Denies chest pain .")

    frame.createOrReplaceTempView("spark_test_notes")
    assert detect_format("spark_test_notes") == "table"
    (row,) = read_notes(spark, "spark_test_notes", options).collect()
    assert (row["id"], row["source"]) == ("5", "spark_test_notes")
