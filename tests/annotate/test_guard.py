"""The per-note guards of `annotate_batch`: a note over the size limit, or one that takes longer
than its time budget, becomes a failed record with its reason and the others are kept; the time
budget interrupts the work in the main thread and in a spawned worker process alike."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc
from typer.testing import CliRunner

from spacy_minialbert.annotate import RunOptions, annotate, open_notes
from spacy_minialbert.annotate.batch import BatchResult, annotate_batch
from spacy_minialbert.annotate.limits import NoteLimits, time_limit_enforceable
from spacy_minialbert.cli import app
from spacy_minialbert.cli import commands as _commands  # noqa: F401  (registers the commands)
from spacy_minialbert.notes.records import Note

SLOW_MARKER = "TRIGGER-SLOW-COMPONENT"
STALL_SECONDS = 30.0  # how long the component stalls if nothing stops it


@Language.component("test_stalls_on_marker")
def stalls_on_marker(doc: Doc) -> Doc:
    """Busy in Python (as a quadratic tokenizer or a runaway rule would be) on the marked note."""
    if SLOW_MARKER in doc.text:
        end = time.monotonic() + STALL_SECONDS
        while time.monotonic() < end:
            pass
    return doc


def stalling_pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("test_stalls_on_marker")
    return nlp


NOTES = [
    Note("fine", "Patient is well .", "notes.jsonl:1"),
    Note("slow", f"Patient {SLOW_MARKER} .", "notes.jsonl:2"),
    Note("long", "x" * 60, "notes.jsonl:3"),
    Note("also-fine", "No complaints .", "notes.jsonl:4"),
]
LIMITS = NoteLimits(max_chars=50, seconds=0.5)


def check_guarded(result: BatchResult) -> None:
    assert [record["id"] for record in result.records] == ["fine", "also-fine"]
    failures = {failure.note_id: failure for failure in result.failures}
    assert failures.keys() == {"slow", "long"}
    assert failures["long"].reason == "note too long"
    assert failures["long"].detail == "60 characters, more than the limit of 50"
    assert failures["slow"].reason == "note too slow"
    assert failures["slow"].detail == "took more than 0.5 s (stopped in 'test_stalls_on_marker')"
    assert SLOW_MARKER not in failures["slow"].detail


def test_slow_and_long_notes_fail_and_the_batch_goes_on() -> None:
    nlp = stalling_pipeline()
    started = time.monotonic()
    result = annotate_batch(nlp, NOTES, 8, limits=LIMITS)
    # The batch's budget (0.5 s), then the slow note's own (0.5 s); not the 30 s stall.
    assert time.monotonic() - started < 10
    check_guarded(result)


def guarded_batch_in_worker() -> tuple[BatchResult, float]:
    nlp = stalling_pipeline()
    started = time.monotonic()
    result = annotate_batch(nlp, NOTES, 8, limits=LIMITS)
    return result, time.monotonic() - started


def test_the_time_limit_holds_in_a_worker_process() -> None:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        result, seconds = pool.submit(guarded_batch_in_worker).result(timeout=120)
    assert seconds < 10
    check_guarded(result)


def test_the_three_argument_call_keeps_its_defaults() -> None:
    result = annotate_batch(spacy.blank("en"), NOTES[:1], 4)
    assert [record["id"] for record in result.records] == ["fine"] and not result.failures
    assert NoteLimits() == NoteLimits(max_chars=1_000_000, seconds=300.0)


def test_the_time_limit_is_not_claimed_off_the_main_thread() -> None:
    found: list[bool] = []
    thread = threading.Thread(target=lambda: found.append(time_limit_enforceable()))
    thread.start()
    thread.join()
    assert found == [False] and time_limit_enforceable()


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="at least 1 character"):
        NoteLimits(max_chars=0)
    with pytest.raises(ValueError, match="more than 0 seconds"):
        NoteLimits(seconds=-1)


def test_the_size_limit_replaces_spacys_max_length(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    nlp.max_length = 20  # spaCy's own limit would fail the note with E088
    notes = tmp_path / "notes.jsonl"
    notes.write_text(json.dumps({"id": "a", "text": "word " * 10}) + "\n")
    summary = annotate(nlp, open_notes(notes), tmp_path / "out.jsonl",
                       RunOptions(progress=False, limits=NoteLimits(max_chars=100)))  # fmt: skip
    assert (summary.written, summary.n_failed) == (1, 0)


def test_annotate_command_turns_a_long_note_into_a_failure(tmp_path: Path) -> None:
    spacy.blank("en").to_disk(tmp_path / "blank")
    notes = tmp_path / "notes.jsonl"
    rows = [("short", "Patient is well ."), ("long", "Patient " * 40), ("after", "No pain .")]
    notes.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in rows))
    output = tmp_path / "out.jsonl"
    arguments = [str(tmp_path / "blank"), str(notes), str(output), "--no-context",
                 "--no-progress", "--max-note-chars", "100", "--note-seconds", "60"]  # fmt: skip
    result = CliRunner().invoke(app, ["annotate", *arguments])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert [json.loads(line)["id"] for line in output.read_text().splitlines()] == [
        "short",
        "after",
    ]
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["failed_by_reason"] == {"note too long": 1}
    (error,) = [
        json.loads(line) for line in (tmp_path / "out.errors.jsonl").read_text().splitlines()
    ]
    assert (error["id"], error["detail"]) == ("long", "320 characters, more than the limit of 100")
    assert "Patient" not in (tmp_path / "out.errors.jsonl").read_text()
