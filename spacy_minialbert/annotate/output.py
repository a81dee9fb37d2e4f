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

import csv
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any


@dataclass
class ResumeState:
    """What an existing output holds: the ids written, and the bytes of a cut-off last line
    that were removed (0 if none)."""

    done: set[str] = field(default_factory=set)
    removed_bytes: int = 0


def companion(output: Path, suffix: str) -> Path:
    """``notes.jsonl`` -> ``notes.errors.jsonl`` (for ``suffix`` ``.errors.jsonl``)."""
    stem = output.name[: -len(output.suffix)] if output.suffix else output.name
    return output.with_name(stem + suffix)


def scan_output(path: Path) -> ResumeState:
    """Read an existing output (if any), cutting off a partial last line in place."""
    state = ResumeState()
    if not path.exists():
        return state
    size = path.stat().st_size
    for number, line in _complete_lines(path):
        record = _parse(line, path, number, "an annotation record")
        note_id = record.get("id") if isinstance(record, dict) else None
        if not isinstance(note_id, str):
            raise ValueError(
                f'{path}:{number}: a JSON line without a string "id"; not an annotation record.'
            )
        state.done.add(note_id)
    state.removed_bytes = size - path.stat().st_size
    return state


def _complete_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """The numbered lines of ``path``; a last line without its line end (a write cut short by a
    kill) is not one, and is cut off the file once the others are read."""
    complete = 0
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.endswith(b"\n"):
                break
            complete += len(line)
            yield number, line
    if complete < path.stat().st_size:
        with path.open("r+b") as handle:
            handle.truncate(complete)


def _parse(line: bytes, path: Path, number: int, what: str) -> Any:
    try:
        return json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _not_written_by_annotate(path, number, what, error) from error


def _not_written_by_annotate(path: Path, number: int, what: str, found: object) -> ValueError:
    return ValueError(
        f"{path}:{number}: not {what} ({found}); this file was not written by annotate or was "
        "edited. Give another OUTPUT or repair the line."
    )


class JsonlWriter(AbstractContextManager["JsonlWriter"]):
    """Appends JSON lines in batches, each batch flushed and synced before ``write`` returns."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle: IO[str] = path.open("a", encoding="utf-8", newline="\n")

    def write(self, records: Iterable[Mapping[str, Any]]) -> None:
        lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        if not lines:
            return
        self._handle.write(lines)
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()

    def __exit__(self, *exc: object) -> None:
        self.close()


class ErrorLog(JsonlWriter):
    """The errors file: appended to, each distinct failure written once across runs."""

    def __init__(self, path: Path) -> None:
        self._known: set[str] = set()
        if path.exists():
            # The cut-off last line goes first, also when an earlier line then proves foreign.
            for number, line in list(_complete_lines(path)):
                failure = _parse(line, path, number, "a failed-record line")
                if not isinstance(failure, dict):
                    raise _not_written_by_annotate(path, number, "a failed-record line", failure)
                self._known.add(_canonical(failure))
        super().__init__(path)

    def write(self, failures: Iterable[Mapping[str, Any]]) -> None:
        new = []
        for failure in failures:
            key = _canonical(failure)
            if key not in self._known:
                self._known.add(key)
                new.append(failure)
        super().write(new)


def _canonical(failure: Mapping[str, Any]) -> str:
    return json.dumps(failure, ensure_ascii=False, sort_keys=True)


COLUMNS = (
    "id", "label", "start", "end", "text", "negated", "hypothetical", "historical", "family",
    "uncertain", "section", "modifiers",
)  # fmt: skip


def export_entities_csv(jsonl: Path, destination: Path) -> int:
    """The entities of an annotation output as CSV, one row per entity, for a database load;
    returns the number of rows. ``modifiers`` holds the ConText modifier categories,
    ``;``-separated. Written from the finished output (the single source of truth, so the CSV
    has exactly its notes, none twice), through a temporary file renamed into place."""
    temporary = destination.with_name(destination.name + ".partial")
    rows = 0
    with (
        jsonl.open(encoding="utf-8") as source,
        temporary.open("w", encoding="utf-8", newline="") as target,
    ):
        writer = csv.writer(target)
        writer.writerow(COLUMNS)
        for line in source:
            record = json.loads(line)
            for entity in record["entities"]:
                modifiers = ";".join(m["category"] for m in entity["modifiers"])
                cells = [_cell(entity[column]) for column in COLUMNS[1:-1]]
                writer.writerow([record["id"], *cells, modifiers])
                rows += 1
    os.replace(temporary, destination)
    return rows


def _cell(value: object) -> object:
    """Booleans as ``true``/``false`` and a missing section as an empty cell, as databases read
    them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value
