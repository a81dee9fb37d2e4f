"""A Spark job whose worker dies part-way fails; re-running it finishes the job, and every note
id is in the output exactly once: the parts committed before the crash are kept and skipped,
the part that was running is annotated again from scratch. A changed input is then refused, and
so is a second run on an output that a live run holds (one left by a killed run is taken over)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from spacy_minialbert.spark.files import OutputFiles
from spacy_minialbert.spark.job import RUNNING, _one_run_at_a_time
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

    recut = run_cli(*[arg if arg != "4" else "3" for arg in args])
    assert recut.exit_code != 0 and "was cut into 4 parts" in str(recut.exception)

    _input(notes, flag, extra=1)
    third = run_cli(*args)
    assert third.exit_code != 0 and "input differs" in str(third.exception)


def test_one_run_at_a_time_on_an_output(spark: Any, tmp_path: Path) -> None:
    files = OutputFiles(spark, str(tmp_path / "out"))
    with _one_run_at_a_time(files):
        assert (tmp_path / "out" / RUNNING).exists()
        refused = pytest.raises(RuntimeError, match="another annotate-spark run is writing")
        with refused, _one_run_at_a_time(files):
            pass
    assert not (tmp_path / "out" / RUNNING).exists()

    # Left by a run killed on this host: its process is gone, the file is taken over.
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    stale = {"host": socket.gethostname(), "pid": int(ended.stdout), "started": 0}
    (tmp_path / "out" / RUNNING).write_text(json.dumps(stale))
    with _one_run_at_a_time(files):
        assert json.loads((tmp_path / "out" / RUNNING).read_text())["pid"] != stale["pid"]

    # Held on another host: refused, saying how to take over if that run is gone.
    (tmp_path / "out" / RUNNING).write_text(json.dumps({**stale, "host": "elsewhere"}))
    refused = pytest.raises(RuntimeError, match="If none is, delete that file")
    with refused, _one_run_at_a_time(files):
        pass
