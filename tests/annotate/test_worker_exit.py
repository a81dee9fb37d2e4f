"""Killing `spacy-minialbert annotate --n-process 2` with SIGKILL ends its worker processes too
(they used to stay alive, each holding its pipeline's memory)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.annotate.test_resume import cli_command, wait_for_lines
from tests.support.synthetic_notes import TEST_NOTE


def children_of(pid: int) -> set[int]:
    """Pids whose parent is ``pid`` (from /proc, Linux)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (name) state ppid ...": the name may hold spaces, so split after its ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status is left to collect


@pytest.mark.slow  # two spawned workers each import torch and load the pipeline
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_workers_end_when_the_parent_is_killed(composed_pipeline: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.jsonl"
    with notes.open("w", encoding="utf-8") as handle:
        for index in range(2000):
            handle.write(json.dumps({"id": f"n{index}", "text": TEST_NOTE}) + "\n")
    output = tmp_path / "out.jsonl"
    command = [*cli_command(), "annotate", str(composed_pipeline), str(notes), str(output),
               "--batch-size", "2", "--n-process", "2", "--no-progress"]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: set[int] = set()
    try:
        wait_for_lines(output, 4, process, timeout=300)  # the workers are annotating
        workers = children_of(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert len(workers) >= 2, f"expected the two workers among the children: {workers}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(pid) for pid in workers):
            time.sleep(0.1)
        left = sorted(pid for pid in workers if alive(pid))
        assert not left, f"processes of the killed run still alive after 10 s: {left}"
    finally:
        if process.poll() is None:
            process.kill()
        for pid in workers:  # do not leave them behind if the test failed
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
