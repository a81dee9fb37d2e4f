"""`annotate --n-process 2`: worker processes give the same records, in input order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spacy_minialbert.annotate import PipelineSpec, RunOptions, annotate, load_pipeline, open_notes
from tests.support.synthetic_notes import TEST_NOTE


@pytest.mark.slow  # two spawned workers each import torch and load the pipeline
def test_two_processes_match_one(composed_pipeline: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.jsonl"
    texts = [TEST_NOTE, "Reports fever .", "", "Mother has asthma ."] * 5
    notes.write_text(
        "".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts))
    )
    spec = PipelineSpec(str(composed_pipeline))
    options = RunOptions(batch_size=3, progress=False)
    single = annotate(load_pipeline(spec)[0], open_notes(notes), tmp_path / "one.jsonl", options)
    parallel = annotate(
        spec,
        open_notes(notes),
        tmp_path / "two.jsonl",
        RunOptions(batch_size=3, n_process=2, progress=False),
    )
    one = (tmp_path / "one.jsonl").read_text().splitlines()
    two = (tmp_path / "two.jsonl").read_text().splitlines()
    assert len(one) == 15 and [json.loads(line) for line in two] == [
        json.loads(line) for line in one
    ]
    assert (parallel.written, parallel.n_failed) == (single.written, single.n_failed) == (15, 5)


def test_several_processes_need_a_spec(tmp_path: Path) -> None:
    import spacy

    (tmp_path / "n.jsonl").write_text("")
    with pytest.raises(ValueError, match="PipelineSpec"):
        annotate(spacy.blank("en"), open_notes(tmp_path / "n.jsonl"), tmp_path / "o.jsonl",
                 RunOptions(n_process=2))  # fmt: skip
    with pytest.raises(ValueError, match="batch size must be at least 1"):
        RunOptions(batch_size=0)
