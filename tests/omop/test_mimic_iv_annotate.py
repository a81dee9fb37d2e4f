"""`spacy-minialbert annotate` on MIMIC-IV-Note files (synthetic), recognised by name: every
entity's offsets slice the original text to the entity's text, ``___`` stays one token."""

from __future__ import annotations

import json
from pathlib import Path

import spacy
from typer.testing import CliRunner

from spacy_minialbert.cli import app
from spacy_minialbert.cli import commands as _commands  # noqa: F401  (registers the commands)
from tests.omop.mimic_iv_files import texts, write_mimic_iv


def test_annotate_mimic_iv_files(composed_pipeline: Path, tmp_path: Path) -> None:
    discharge, radiology = write_mimic_iv(tmp_path / "mimic")
    entities = 0
    for path in (discharge, radiology):
        output = tmp_path / f"{path.name.split('.')[0]}.jsonl"
        result = CliRunner().invoke(
            app, ["annotate", str(composed_pipeline), str(path), str(output), "--no-progress"]
        )
        assert result.exit_code == 0, result.output + repr(result.exception)
        records = [json.loads(line) for line in output.read_text().splitlines()]
        for record in records:
            text = texts()[record["id"]]
            for entity in record["entities"]:
                assert text[entity["start"] : entity["end"]] == entity["text"]
                entities += 1
        summary = json.loads(output.with_name(output.stem + ".summary.json").read_text())
        assert summary["read"] == {"discharge": 5, "radiology": 3}[path.name.split(".")[0]]
    assert entities > 0, "the tiny pipeline found no entity"
    nlp = spacy.load(composed_pipeline)
    for text in texts().values():
        doc = nlp.make_doc(text)
        assert doc.text == text
        assert [t.text for t in doc if "_" in t.text] == ["___"] * text.count("___")
