"""``spacy-minialbert distill`` on the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spacy_minialbert.cli import app, main

from .conftest import TINY_CONFIG


def test_help_lists_the_command_and_its_options() -> None:
    from spacy_minialbert.cli import commands  # noqa: F401  (registers the commands)

    result = CliRunner().invoke(app, ["distill", "--help"])
    assert result.exit_code == 0
    for option in ("--device", "--resume", "--overwrite", "CONFIG", "OUTPUT_DIR", "torchrun"):
        assert option in result.output


def test_distill_from_the_command_line_with_overrides(
    tmp_path: Path, teacher_dir: Path, corpus_dir: Path
) -> None:
    from spacy_minialbert.cli import commands  # noqa: F401

    output = tmp_path / "student"
    args = [
        "distill", str(TINY_CONFIG), str(output), "--device", "cpu",
        "--paths.teacher", str(teacher_dir),
        f'--paths.data=["{corpus_dir / "notes.jsonl"}"]',
        "--training.max_steps", "2", "--student.num_hidden_layers=3",
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"Student written to {output} (2 steps)." in result.output
    config = json.loads((output / "config.json").read_text())
    assert config["num_hidden_layers"] == 3
    provenance = json.loads((output / "distillation.json").read_text())
    assert provenance["config"]["system"]["device"] == "cpu"


def test_bad_input_is_one_line_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = [
        "spacy-minialbert",
        "distill",
        str(TINY_CONFIG),
        str(tmp_path / "out"),
        "--paths.teacher",
        "t",
        "--paths.data",
        '["x.txt"]',
        "--initialization.method",
        "svd",
    ]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    error = capsys.readouterr().err
    assert error.startswith("Error: ")
    assert "Unknown initialisation 'svd' (initialization.method)" in error
    assert "Traceback" not in error
