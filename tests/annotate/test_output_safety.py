"""The output of `annotate` cannot harm the input or another run: it may not be the input or lie
in an input folder, one run at a time holds it, it resumes only from the input it was written
from, its errors file is kept across runs, and a duplicate id is a duplicate on every run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from spacy_minialbert.annotate import RunOptions, annotate, open_notes
from spacy_minialbert.annotate.lock import OutputInUse
from spacy_minialbert.notes.records import InputItem

OPTIONS = RunOptions(batch_size=2, progress=False)


@pytest.fixture(scope="module")
def blank() -> Language:
    return spacy.blank("en")


def write_jsonl(path: Path, rows: list[tuple[str, str]], *, last_line_end: bool = True) -> None:
    text = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in rows)
    path.write_text(text if last_line_end else text.rstrip("\n"), encoding="utf-8")


def ids_in(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_output_that_is_the_input_is_refused(blank: Language, tmp_path: Path) -> None:
    notes = tmp_path / "notes.jsonl"
    # No line end after the last record: a run that read the input as its own output would
    # have cut that line off as a partial write.
    write_jsonl(notes, [("a", "first note"), ("b", "second note")], last_line_end=False)
    before = notes.read_bytes()
    link = tmp_path / "link.jsonl"
    link.symlink_to(notes)
    for output in (notes, link):
        with pytest.raises(ValueError, match="is the input"):
            annotate(blank, open_notes(notes), output, OPTIONS)
    assert notes.read_bytes() == before
    # The input as a companion of the output (its errors file, once rewritten by every run).
    errors_named = tmp_path / "out.errors.jsonl"
    errors_named.write_bytes(before)
    with pytest.raises(ValueError, match="is the input"):
        annotate(blank, open_notes(errors_named), tmp_path / "out.jsonl", OPTIONS)
    assert errors_named.read_bytes() == before
    assert not (tmp_path / "out.jsonl").exists()


def test_output_inside_the_input_folder_is_refused(blank: Language, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    (folder / "sub").mkdir(parents=True)
    (folder / "one.txt").write_text("first note", encoding="utf-8")
    for output in (folder / "out.jsonl", folder / "sub" / "out.txt"):
        with pytest.raises(ValueError, match="inside the input folder"):
            annotate(blank, open_notes(folder), output, OPTIONS)
    assert sorted(p.name for p in folder.rglob("*")) == ["one.txt", "sub"]
    annotate(blank, open_notes(folder), tmp_path / "out.jsonl", OPTIONS)
    assert ids_in(tmp_path / "out.jsonl") == ["one"]


class RunsAnotherOnTheSameOutput:
    """An input that, while the run reads it, starts a second run on the same output."""

    def __init__(self, notes: Path, blank: Language, output: Path) -> None:
        self._inner = open_notes(notes)
        self.path, self.unit, self.total = self._inner.path, self._inner.unit, self._inner.total
        self.blank, self.output = blank, output
        self.second: BaseException | None = None

    def position(self) -> int:
        return self._inner.position()

    def items(self) -> Iterator[InputItem]:
        for index, item in enumerate(self._inner.items()):
            if index == 3:
                try:
                    annotate(self.blank, open_notes(Path(self.path)), self.output, OPTIONS)
                except OutputInUse as error:
                    self.second = error
            yield item


def test_a_second_run_on_the_same_output_fails_at_once(blank: Language, tmp_path: Path) -> None:
    notes = tmp_path / "notes.jsonl"
    write_jsonl(notes, [(f"n{i}", f"note number {i}") for i in range(8)])
    output = tmp_path / "out.jsonl"
    source = RunsAnotherOnTheSameOutput(notes, blank, output)
    annotate(blank, source, output, OPTIONS)
    assert source.second is not None, "the second run was let in while the first held the output"
    assert "out.lock" in str(source.second) and "another annotate run" in str(source.second)
    assert ids_in(output) == [f"n{i}" for i in range(8)]  # each id once
    # The lock goes with the run: the next run resumes (everything is already there).
    summary = annotate(blank, open_notes(notes), output, OPTIONS)
    assert summary.skipped == {"already annotated": 8}


def test_resuming_from_another_input_is_refused(blank: Language, tmp_path: Path) -> None:
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    write_jsonl(first, [("a", "note a"), ("b", "note b")])
    write_jsonl(second, [("c", "note c"), ("a", "another note a")])
    output = tmp_path / "out.jsonl"
    annotate(blank, open_notes(first), output, OPTIONS)
    with pytest.raises(ValueError, match=r"written from another input.*--new-input"):
        annotate(blank, open_notes(second), output, OPTIONS)
    assert ids_in(output) == ["a", "b"]

    # The same file grown since: also another input.
    write_jsonl(first, [("a", "note a"), ("b", "note b"), ("d", "note d")])
    with pytest.raises(ValueError, match=r"size \d+ -> \d+"):
        annotate(blank, open_notes(first), output, OPTIONS)

    forced = RunOptions(progress=False, new_input=True)
    summary = annotate(blank, open_notes(second), output, forced)
    assert (summary.written, summary.skipped) == (1, {"already annotated": 1})
    assert ids_in(output) == ["a", "b", "c"]
    recorded = json.loads((tmp_path / "out.input.json").read_text())["inputs"]
    assert [Path(item["path"]).name for item in recorded] == ["first.jsonl", "second.jsonl"]
    assert summary.to_json()["input_identity"]["path"] == str(second.resolve())
    # Resuming from the input named last is ordinary again.
    assert annotate(blank, open_notes(second), output, OPTIONS).written == 0


def test_records_of_unknown_origin_are_not_appended_to(blank: Language, tmp_path: Path) -> None:
    notes = tmp_path / "notes.jsonl"
    write_jsonl(notes, [("a", "note a")])
    output = tmp_path / "out.jsonl"
    output.write_text(json.dumps({"id": "z", "source": "elsewhere"}) + "\n")
    with pytest.raises(ValueError, match=r"out\.input\.json is missing"):
        annotate(blank, open_notes(notes), output, OPTIONS)
    forced = RunOptions(progress=False, new_input=True)
    assert annotate(blank, open_notes(notes), output, forced).written == 1


def test_duplicate_id_is_a_duplicate_on_every_run(blank: Language, tmp_path: Path) -> None:
    notes = tmp_path / "notes.jsonl"
    write_jsonl(notes, [("a", "note a"), ("b", "note b"), ("a", "note a again"), ("c", " ")])
    output = tmp_path / "out.jsonl"
    errors = tmp_path / "out.errors.jsonl"
    first = annotate(blank, open_notes(notes), output, OPTIONS)
    assert first.failed == {"duplicate id": 1, "empty text": 1}
    logged = errors.read_text()
    second = annotate(blank, open_notes(notes), output, OPTIONS)
    assert second.failed == {"duplicate id": 1, "empty text": 1}
    assert second.skipped == {"already annotated": 2}
    assert errors.read_text() == logged  # kept, and not written twice
    assert [json.loads(line)["reason"] for line in logged.splitlines()] == [
        "duplicate id",
        "empty text",
    ]


def test_errors_are_kept_across_runs(blank: Language, tmp_path: Path) -> None:
    notes = tmp_path / "notes.jsonl"
    write_jsonl(notes, [("a", "note a"), ("b", "")])
    output = tmp_path / "out.jsonl"
    errors = tmp_path / "out.errors.jsonl"
    annotate(blank, open_notes(notes), output, OPTIONS)
    earlier = errors.read_text()
    # A failure recorded by an earlier run stays (a run killed before meeting the bad record
    # again would otherwise have erased it), and a last line cut off by a kill is removed.
    errors.write_text(earlier + '{"id": "x", "source": "old.jsonl:9", "outc')
    annotate(blank, open_notes(notes), output, OPTIONS)
    assert errors.read_text() == earlier
    errors.write_text('{"id": "x", "source": "old.jsonl:9", "reason": "empty text"}\n')
    annotate(blank, open_notes(notes), output, OPTIONS)
    assert errors.read_text().splitlines() == [
        '{"id": "x", "source": "old.jsonl:9", "reason": "empty text"}',
        earlier.strip(),
    ]
