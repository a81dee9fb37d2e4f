"""A Spark job whose worker dies part-way fails; re-running it finishes the job, and every note
id is in the output exactly once: the parts committed before the crash are kept and skipped,
the part that was running is annotated again from scratch. A changed input is then refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.spark import components
from tests.spark.conftest import COMPONENTS_FILE
from tests.spark.support import read_jsonl, run_cli, spark_output

TEXTS = ["Reports fever .", "Mother has asthma .", "Denies chest pain .", "History of diabetes ."]
CRASHING = "n9"


def _input(path: Path, flag: Path, extra: int = 0) -> Path:
    lines = []
    for index in range(12 + extra):
        note_id = f"n{index}"
        text = TEXTS[index % len(TEXTS)] * (1 + index % 3)
        if note_id == CRASHING:
            text += f" {components.CRASH_MARKER}{flag} ."
        lines.append(json.dumps({"id": note_id, "text": text}) + "\n")
    path.write_text("".join(lines))
    return path


def test_a_crashed_job_resumes_with_every_note_once(
    spark: Any, failing_pipeline: Path, tmp_path: Path
) -> None:
    flag = tmp_path / "worker-crashed"
    notes = _input(tmp_path / "notes.jsonl", flag)
    output = tmp_path / "out"
    args = ["annotate-spark", str(failing_pipeline), str(notes), str(output),
            "--code", str(COMPONENTS_FILE), "--parts", "4", "--parts-per-job", "1"]  # fmt: skip

    first = run_cli(*args)
    assert first.exit_code != 0 and flag.exists(), first.output
    planned = spark.read.parquet(str(output / "planned"))
    crashed_part = planned.where(f"id = '{CRASHING}'").first()["part"]
    committed = {int(p.name.split("=")[1]) for p in (output / "notes").glob("part=*")}
    # Parts run one per job in order: those before the crash are committed, no other.
    assert crashed_part > 0 and committed == set(range(crashed_part))
    kept = spark.read.parquet(str(output / "notes")).count()

    second = run_cli(*args)
    assert second.exit_code == 0, second.output + repr(second.exception)
    rows, _ = spark_output(spark, output)
    ids = [row["id"] for row in rows]
    assert sorted(ids) == sorted(f"n{index}" for index in range(12))  # each exactly once
    assert all(row["status"] == "ok" for row in rows)
    summary = json.loads((output / "summary.json").read_text())
    assert summary["already_in_output_before_run"] == kept > 0
    assert summary["written"] == 12 - kept and summary["failed"] == 0
    assert summary["skipped_by_reason"] == {"already annotated": kept}
    assert read_jsonl(output / "errors.jsonl") == []
    assert not (output / "staging").exists() and not (output / "planned").exists()

    _input(notes, flag, extra=1)
    third = run_cli(*args)
    assert third.exit_code != 0 and "input differs" in str(third.exception)
