"""`spacy-minialbert render`: one note as HTML with entities, ConText modifiers and sections."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from spacy_minialbert.cli import app
from spacy_minialbert.cli import commands as _commands  # noqa: F401  (registers the commands)
from tests.support.synthetic_notes import TEST_NOTE


def test_render_shows_entities_modifiers_and_sections(
    composed_pipeline: Path, tmp_path: Path
) -> None:
    note = tmp_path / "note.txt"
    note.write_text(TEST_NOTE, encoding="utf-8")
    page = tmp_path / "out" / "note.html"
    result = CliRunner().invoke(app, ["render", str(composed_pipeline), str(note), str(page)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<title>note.txt</title>" in html
    # In the text: the entities with their ConText attributes, the modifier, the section titles.
    assert "PROBLEM (negated)" in html and "PROBLEM (family)" in html
    assert "ConText: NEGATED_EXISTENCE" in html
    assert "section: chief_complaint" in html and "section: family_history" in html
    # In the table: every entity with its section and modifiers.
    assert "<td>chest pain</td><td>PROBLEM</td>" in html
    assert "NEGATED_EXISTENCE (&#x27;denies&#x27;)" in html
    assert "<td>family_history</td>" in html
    # The placeholder is shown as text, escaped.
    assert "[**2150-3-4**]" in html


def test_render_refuses_undecodable_notes(composed_pipeline: Path, tmp_path: Path) -> None:
    note = tmp_path / "bad.txt"
    note.write_bytes(b"Denies \xff pain")
    page = tmp_path / "x.html"
    result = CliRunner().invoke(app, ["render", str(composed_pipeline), str(note), str(page)])
    assert isinstance(result.exception, ValueError)
    assert "bad.txt: byte 7 is not utf-8" in str(result.exception)
    assert not page.exists()
