"""`spacy-minialbert show`: entities, ConText flags, sections and categories of a note."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from spacy_minialbert.cli import app
from spacy_minialbert.cli import commands as _commands  # noqa: F401  (registers commands)
from tests.support.synthetic_notes import TEST_NOTE


def test_show_prints_context_and_sections(composed_pipeline: Path, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text(TEST_NOTE)
    result = CliRunner().invoke(
        app, ["show", str(composed_pipeline), "--file", str(note)], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if "│" in line}
    assert "negated" in rows["chest pain"] and "chief_complaint" in rows["chest pain"]
    assert "family" in rows["diabetes"] and "family_history" in rows["diabetes"]
    assert "categories" in result.output


def test_show_without_context_has_no_context_columns(notes_pipeline: Path) -> None:
    result = CliRunner().invoke(
        app, ["show", str(notes_pipeline), "--text", TEST_NOTE], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "ConText" not in result.output and "entities" in result.output
