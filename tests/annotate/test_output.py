"""Resuming: the ids already written are found, a cut-off last line is removed, anything else
that is not a record stops the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spacy_minialbert.annotate.output import JsonlWriter, companion, scan_output


def test_scan_finds_ids_and_cuts_a_partial_last_line(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with JsonlWriter(path) as writer:
        writer.write([{"id": "1", "entities": []}, {"id": "2", "entities": []}])
    complete = path.read_bytes()
    path.write_bytes(complete + b'{"id": "3", "enti')  # killed mid-write
    state = scan_output(path)
    assert state.done == {"1", "2"}
    assert state.removed_bytes == len(b'{"id": "3", "enti')
    assert path.read_bytes() == complete
    with JsonlWriter(path) as writer:
        writer.write([{"id": "3"}])
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == ["1", "2", "3"]


def test_a_foreign_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text('{"id": "1"}\nnot json\n{"id": "2"}\n')
    with pytest.raises(ValueError, match=r"out.jsonl:2: not an annotation record"):
        scan_output(path)
    path.write_text('{"id": 1}\n')
    with pytest.raises(ValueError, match='without a string "id"'):
        scan_output(path)


def test_companion_names() -> None:
    assert companion(Path("a/notes.jsonl"), ".errors.jsonl") == Path("a/notes.errors.jsonl")
    assert companion(Path("a/out"), ".summary.json") == Path("a/out.summary.json")
