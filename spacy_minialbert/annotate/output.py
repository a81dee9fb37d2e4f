"""Writing records so that a run can be killed at any moment and resumed.

Each batch of records is written in one ``write`` and flushed to disk (``fsync``) before the next
batch starts, so a crash loses at most the batches in flight. On start, the output is read back:
the ids already there are skipped by the new run, and a last line cut short by a killed process
(no line end) is removed before appending. Any other line that is not a record stops the run:
the file was not written by ``annotate`` or was edited, and appending to it would hide that.

The errors file is kept across runs and appended to: a run killed early must not lose the
failures an earlier run recorded further on. Every run reads the whole input and meets every bad
record again, so a failure already in the file (the same record, reason and detail) is not
written twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .records import record_id


@dataclass
class ResumeState:
    """What an existing output holds: the ids written, and the bytes of a cut-off last line
    that were removed (0 if none)."""

    done: set[str] = field(default_factory=set)
    removed_bytes: int = 0
    lines: int = 0


def companion(output: Path, suffix: str) -> Path:
    """``notes.jsonl`` -> ``notes.errors.jsonl`` (for ``suffix`` ``.errors.jsonl``)."""
    stem = output.name[: -len(output.suffix)] if output.suffix else output.name
    return output.with_name(stem + suffix)


def scan_output(path: Path) -> ResumeState:
    """Read an existing output (if any), cutting off a partial last line in place."""
    state = ResumeState()
    if not path.exists():
        return state
    good_end = 0
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.endswith(b"\n"):
                state.removed_bytes = len(line)
                break
            note_id = _parse(line, path, number)
            state.done.add(note_id)
            state.lines = number
            good_end += len(line)
    if state.removed_bytes:
        with path.open("r+b") as handle:
            handle.truncate(good_end)
    return state


def _parse(line: bytes, path: Path, number: int) -> str:
    try:
        note_id = record_id(json.loads(line))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"{path}:{number}: not an annotation record ({error}); this file was not written by "
            "annotate or was edited. Give another OUTPUT or repair the line."
        ) from error
    if note_id is None:
        raise ValueError(
            f'{path}:{number}: a JSON line without a string "id"; not an annotation record.'
        )
    return note_id


class ErrorLog:
    """The errors file: appended to, each distinct failure written once across runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._known: set[str] = set()
        if path.exists():
            _cut_partial_line(path)
            with path.open("rb") as handle:
                for number, line in enumerate(handle, start=1):
                    self._known.add(_canonical(_parse_object(line, path, number)))
        self._writer = JsonlWriter(path)

    def write(self, failures: Iterable[Mapping[str, Any]]) -> None:
        new = []
        for failure in failures:
            key = _canonical(failure)
            if key not in self._known:
                self._known.add(key)
                new.append(failure)
        self._writer.write(new)

    def close(self) -> None:
        self._writer.close()

    def __enter__(self) -> ErrorLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _canonical(failure: Mapping[str, Any]) -> str:
    return json.dumps(failure, ensure_ascii=False, sort_keys=True)


def _parse_object(line: bytes, path: Path, number: int) -> dict[str, Any]:
    try:
        parsed = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        parsed = error
    if not isinstance(parsed, dict):
        raise ValueError(
            f"{path}:{number}: not a failed-record line ({parsed}); this file was not written by "
            "annotate or was edited. Give another OUTPUT or repair the line."
        )
    return parsed


def _cut_partial_line(path: Path) -> None:
    """Remove a last line without its line end (a write cut short by a kill)."""
    with path.open("r+b") as handle:
        end = handle.seek(0, os.SEEK_END)
        if end == 0:
            return
        handle.seek(end - 1)
        if handle.read(1) == b"\n":
            return
        position = end
        while position > 0:  # back to the previous line end, a block at a time
            start = max(0, position - 4096)
            handle.seek(start)
            found = handle.read(position - start).rfind(b"\n")
            if found >= 0:
                handle.truncate(start + found + 1)
                return
            position = start
        handle.truncate(0)


class JsonlWriter:
    """Appends JSON lines in batches, each batch flushed and synced before ``write`` returns."""

    def __init__(self, path: Path, *, append: bool = True) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle: IO[str] = path.open("a" if append else "w", encoding="utf-8", newline="\n")

    def write(self, records: Iterable[Mapping[str, Any]]) -> None:
        lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        if not lines:
            return
        self._handle.write(lines)
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
