"""Killing `spacy-minialbert annotate` with SIGKILL mid-run and running it again: every note ends
up in the output exactly once (no duplicates, no gaps), and the totals add up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from spacy_minialbert.cli import app
from spacy_minialbert.cli import commands as _commands  # noqa: F401  (registers the commands)
from tests.support.synthetic_notes import TEST_NOTE

N_NOTES = 80


def cli_command() -> list[str]:
    script = Path(sys.executable).with_name("spacy-minialbert")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from spacy_minialbert.cli import main; main()"]


def wait_for_lines(path: Path, count: int, process: subprocess.Popen, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return path.read_bytes().count(b"\n")
        if process.poll() is not None:
            raise AssertionError(f"annotate ended before it was killed: {process.returncode}")
        time.sleep(0.05)
    raise AssertionError(f"no {count} records in {timeout} s")


def test_kill_and_rerun_gives_every_note_once(composed_pipeline: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.jsonl"
    with notes.open("w", encoding="utf-8") as handle:
        for index in range(N_NOTES):
            handle.write(json.dumps({"id": f"n{index:04d}", "text": TEST_NOTE}) + "\n")
        handle.write(json.dumps({"id": "empty", "text": ""}) + "\n")
    output = tmp_path / "out.jsonl"
    command = [*cli_command(), "annotate", str(composed_pipeline), str(notes), str(output),
               "--batch-size", "2", "--no-progress"]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_lines(output, 6, process, timeout=240)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    before = output.read_bytes()
    kept = before.count(b"\n")
    assert 6 <= kept < N_NOTES, "the run must have been killed part-way"

    result = CliRunner().invoke(app, command[-7:])  # the same arguments, in this process
    assert result.exit_code == 0, result.output + repr(result.exception)

    ids = [json.loads(line)["id"] for line in output.read_text(encoding="utf-8").splitlines()]
    assert ids == [f"n{index:04d}" for index in range(N_NOTES)]  # no duplicates, no gaps
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["already_in_output_before_run"] == kept
    assert summary["skipped_by_reason"] == {"already annotated": kept}
    assert summary["written"] == N_NOTES - kept
    assert summary["failed_by_reason"] == {"empty text": 1}
    assert summary["read"] == summary["written"] + summary["skipped"] + summary["failed"]
    assert summary["read"] == N_NOTES + 1
