"""Two CPU processes under torchrun (gloo): sharded data, summed metrics, one writer, resume."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from spacy_minialbert import MiniAlbertModel
from spacy_minialbert.distill.checkpoint import load_checkpoint
from spacy_minialbert.distill.sources import DocumentSource, InputFile
from spacy_minialbert.distill.windows import Windower, WindowStream

from .conftest import TINY_CONFIG

pytestmark = pytest.mark.slow


def script() -> str:
    beside = Path(sys.executable).parent / "spacy-minialbert"
    found = str(beside) if beside.is_file() else shutil.which("spacy-minialbert")
    if found is None:
        pytest.skip("the spacy-minialbert script is not installed")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def torchrun(output: Path, teacher: Path, data: Path, *extra: str) -> str:
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
        "--master-port", str(free_port()), "--no-python", script(), "distill", str(TINY_CONFIG),
        str(output), "--paths.teacher", str(teacher), f'--paths.data=["{data}"]', *extra,
    ]  # fmt: skip
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=environment, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def first_batch_tokens(teacher: Path, data: Path, rank: int) -> int:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(teacher)
    stream = WindowStream(
        DocumentSource([InputFile(data, "text")]), Windower(tokenizer, 32, 24), 64, 0, rank, 2
    )
    return sum(len(window) for window in stream.next_batch(8))


def test_two_processes_share_the_work_and_resume(
    tmp_path: Path, teacher_dir: Path, corpus_dir: Path
) -> None:
    output, data = tmp_path / "student", corpus_dir / "notes.txt"
    torchrun(output, teacher_dir, data, "--training.max_steps", "4")
    records: list[dict[str, Any]] = [
        json.loads(line) for line in (output / "metrics.jsonl").read_text().splitlines()
    ]
    assert [r["step"] for r in records] == [1, 2, 3, 4], "only the first process writes"
    both = sum(first_batch_tokens(teacher_dir, data, rank) for rank in (0, 1))
    assert records[0]["tokens"] == both, "each process reads its own shard; counts are summed"
    checkpoint = load_checkpoint(output)
    assert checkpoint["world_size"] == 2
    assert [state["rank"] for state in checkpoint["data"]] == [0, 1]
    assert all(state["windows_served"] == 4 * 8 for state in checkpoint["data"])
    provenance = json.loads((output / "distillation.json").read_text())
    assert provenance["processes"] == 2
    MiniAlbertModel.from_pretrained(str(output))

    log = torchrun(output, teacher_dir, data, "--training.max_steps", "6")
    assert "Resuming from the checkpoint at step 4" in log
    lines = (output / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [1, 2, 3, 4, 5, 6]
