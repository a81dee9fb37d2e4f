"""A 20,000-word discharge summary full of long whitespace runs and repeated characters: no
transformer window exceeds the model's maximum (oversized windows are split, not truncated), and
the entities at the very end of the note are still found, with ConText and their section."""

from __future__ import annotations

import json
from pathlib import Path

import spacy
from typer.testing import CliRunner

from spacy_minialbert.cli import app
from spacy_minialbert.cli import commands as _commands  # noqa: F401  (registers the commands)

# Each block: 22 words, ending in runs of whitespace (tokens of their own, no wordpieces) and
# runs of a repeated character: one spaCy token, but a wordpiece per character (40 and 30), so
# a 32-token window holding two of them needs over 100 wordpieces where the model takes 64.
WORDS = "the patient was admitted to hospital and discharged home on daily follow up in clinic"
BLOCK = (
    f"{WORDS} , exam normal . "
    + "-" * 40
    + "\n\n\n\n"
    + " " * 80
    + "\n"
    + "z" * 30
    + " \t\t\t\t\n . "
)
ENDING = "\n\nCHIEF COMPLAINT:\nPatient denies chest pain .\n"
LONG_NOTE = BLOCK * 910 + ENDING


def test_the_long_note_is_long_and_hostile() -> None:
    assert len(LONG_NOTE.split()) >= 20_000
    assert "\n\n\n\n" + " " * 80 in LONG_NOTE and "-" * 40 in LONG_NOTE and "z" * 30 in LONG_NOTE


def test_no_window_exceeds_the_maximum_and_the_end_is_found(composed_pipeline: Path) -> None:
    nlp = spacy.load(composed_pipeline)
    model = nlp.get_pipe("transformer").model
    tokenizer, maximum = model.tokenizer, model.tokenizer.model_max_length
    assert maximum == 64
    doc = nlp(LONG_NOTE)

    # Without splitting, many of the configured windows would have been cut at 64 wordpieces.
    raw_windows = model.attrs["get_spans"]([doc])[0]
    oversized = [
        w for w in raw_windows if len(tokenizer(w.text, truncation=False)["input_ids"]) > maximum
    ]
    assert len(oversized) > 100

    data = doc._.trf_data
    assert data.wordpieces.input_ids.shape[1] <= maximum
    assert max(data.wordpieces.lengths) <= maximum
    for token in doc[-12:]:  # the end of the note is seen by the model
        if not token.is_space:
            assert data.align[token.i].lengths.sum() > 0, f"{token.text!r} got no wordpieces"

    last = doc.ents[-1]
    assert (last.text, last.label_, last.start_char) == (
        "chest pain", "PROBLEM", LONG_NOTE.rindex("chest pain"),
    )  # fmt: skip
    assert last._.is_negated and last._.section_category == "chief_complaint"


def test_annotate_finds_the_end_of_the_long_note(composed_pipeline: Path, tmp_path: Path) -> None:
    notes = tmp_path / "long.jsonl"
    notes.write_text(json.dumps({"id": "long", "text": LONG_NOTE}) + "\n")
    output = tmp_path / "long-out.jsonl"
    result = CliRunner().invoke(
        app, ["annotate", str(composed_pipeline), str(notes), str(output), "--no-progress"]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    (record,) = [json.loads(line) for line in output.read_text().splitlines()]
    last = record["entities"][-1]
    assert LONG_NOTE[last["start"] : last["end"]] == "chest pain" == last["text"]
    assert last["start"] == LONG_NOTE.rindex("chest pain")
    assert last["negated"] and last["section"] == "chief_complaint"
