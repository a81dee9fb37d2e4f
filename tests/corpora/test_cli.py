"""The ``convert`` and ``split`` commands, through typer's runner and through ``main()`` (the
console script: errors as one line, exit status 1)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spacy_minialbert.cli import app, commands, main  # noqa: F401  (registers the commands)


def test_convert_then_split(corpora: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    output = tmp_path / "phi.spacy"
    result = runner.invoke(
        app, ["convert", "i2b2-2014", str(corpora / "i2b2-2014"), str(output), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert "entities in source" in result.output and "text mismatch" in result.output
    account = json.loads((tmp_path / "phi.account.json").read_text())
    assert account["entities"]["dropped_reasons"] == {"text mismatch": 1}
    result = runner.invoke(
        app,
        [
            "split",
            str(output),
            str(tmp_path / "t.spacy"),
            str(tmp_path / "d.spacy"),
            "--dev-fraction",
            "0.3",
            "--seed",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    # Two patients: 100 (two records) and 101 (one), never split.
    assert result.output.splitlines() in (
        ["train: 2 docs in 1 groups", "dev:   1 docs in 1 groups"],
        ["train: 1 docs in 1 groups", "dev:   2 docs in 1 groups"],
    )


def test_format_options(corpora: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "convert",
            "brat",
            str(corpora / "brat" / "corpus"),
            str(tmp_path / "b.spacy"),
            "--discontinuous",
            "drop",
            "--label-map",
            "*=MED",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    account = json.loads((tmp_path / "b.account.json").read_text())
    assert set(account["ents_per_label"]) == {"MED"}
    assert account["entities"]["dropped_reasons"]["discontinuous"] == 2


def _main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    """Exit status and stderr of the installed entry point ``main()`` run with ``args``."""
    monkeypatch.setattr(sys, "argv", ["spacy-minialbert", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    return int(exit_info.value.code or 0), capsys.readouterr().err


def test_strict_fails_naming_the_first_problems(
    corpora: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "strict.spacy"
    brat = str(corpora / "brat" / "corpus")
    status, stderr = _main(monkeypatch, capsys, "convert", "brat", brat, str(output), "--strict")
    assert status == 1
    error = stderr.strip().splitlines()
    assert error[0].startswith("Error: strict conversion: 9 of 14 entities would be changed")
    assert "doc-1.ann:13" in error[1] and "malformed T line" in error[1]
    assert not output.exists()
    assert (tmp_path / "strict.account.json").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["convert", "vcf", "x", "y.spacy"], "Error: Unknown corpus format 'vcf'"),
        (["convert", "brat", "{brat}", "y.spacy", "--timex"], "Format brat does not take timex"),
        (["convert", "brat", "missing-folder", "y.spacy"], "Error: missing-folder: no such file"),
        (["convert", "brat", "{brat}", "y.csv"], "the output must end in .spacy, .txt or .jsonl"),
        (["split", "{brat}", "t.spacy", "d.spacy", "--dev-fraction", "1.5"], "between 0 and 1"),
    ],
)
def test_errors_are_one_line(
    corpora: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    brat = str(corpora / "brat" / "corpus")
    args = [a.replace("{brat}", brat) for a in args]
    args = [str(tmp_path / a) if a.endswith((".spacy", ".csv")) else a for a in args]
    status, stderr = _main(monkeypatch, capsys, *args)
    assert status == 1
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1
