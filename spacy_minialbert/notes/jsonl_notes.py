"""Notes from a JSON Lines file (``.jsonl``, ``.ndjson``, optionally ``.gz``), streamed: one JSON
object per line with an id and a text key (options ``id_column`` and ``text_column``, the names
CSV has; defaults ``id`` and ``text``). An ``ISERROR``/``iserror`` key of 1 skips the note as in
NOTEEVENTS, unless ``keep_iserror``.
Blank lines hold no record. A UTF-8 byte-order mark at the start of the file is skipped. Each
record's source is ``file:line``.

A line holding bytes that are not valid in the encoding fails whole (``unreadable encoding``), its
id not shown: the byte may be in the id itself. The detail names the field holding the byte and
the character in that field's value (``text: byte 0xe9 at character 7``), or the character of
the line when the line is no JSON object. ``items(start)`` resumes at a byte offset a record's
``end`` gave."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from .encoding import DEFAULT_ENCODING, EncodingProblem, encoding_problem
from .lines import StreamedFile
from .noteevents import is_flagged_error
from .records import ISERROR, MALFORMED, InputItem, Rejected, check_note, undecodable

DEFAULT_ID_KEY = "id"
DEFAULT_TEXT_KEY = "text"


class JsonlNotes(StreamedFile):
    """A JSON Lines file as a :class:`~.records.NoteSource`. ``require_id=False``: a record
    without an id takes its line number as id."""

    def __init__(
        self,
        path: Path,
        *,
        id_column: str | None = None,
        text_column: str | None = None,
        encoding: str = DEFAULT_ENCODING,
        keep_iserror: bool = False,
        require_id: bool = True,
    ) -> None:
        super().__init__(path, encoding=encoding)
        self.id_column = id_column or DEFAULT_ID_KEY
        self.text_column = text_column or DEFAULT_TEXT_KEY
        self.keep_iserror = keep_iserror
        self.require_id = require_id

    def items(self, start: int = 0) -> Iterator[InputItem]:
        """Every record from byte offset ``start`` (0, or a record's ``end``) on."""
        with self._open(start) as file:
            for line in file:
                if line.text.strip():
                    found = jsonl_item(
                        line.text,
                        f"{self.path}:{line.number}",
                        id_key=self.id_column,
                        text_key=self.text_column,
                        keep_iserror=self.keep_iserror,
                        default_id=None if self.require_id else str(line.number),
                    )
                    yield replace(found, line=line.number, start=line.start, end=line.end)


def jsonl_item(
    text: str,
    source: str,
    *,
    id_key: str = DEFAULT_ID_KEY,
    text_key: str = DEFAULT_TEXT_KEY,
    keep_iserror: bool = False,
    default_id: str | None = None,
) -> InputItem:
    """The record of one line (decoded with :func:`~.encoding.decode`), by the rules of the
    module docstring; ``default_id``: the id of a record without one (None: it fails). Also
    used by the Spark engine, which reads a JSONL file's lines as bytes."""
    if encoding_problem("line", text) is not None:
        return undecodable(None, source, _located(text))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return Rejected(None, source, "failed", MALFORMED, f"not JSON: {error}")
    if not isinstance(data, dict):
        kind = type(data).__name__
        return Rejected(None, source, "failed", MALFORMED, f"a JSON {kind}, not an object")
    note_id = _as_id(data.get(id_key))
    if default_id is not None and not (note_id or "").strip():
        note_id = default_id
    if not keep_iserror and is_flagged_error(data.get("ISERROR", data.get("iserror"))):
        return Rejected(note_id, source, "skipped", ISERROR)
    value = data.get(text_key)
    if value is not None and not isinstance(value, str):
        kind = type(value).__name__
        return Rejected(note_id, source, "failed", MALFORMED, f"{text_key!r} is a {kind}")
    return check_note(note_id, value, source, id_name=id_key, text_name=text_key)


def _located(text: str) -> EncodingProblem:
    """Where the first undecodable byte of a line is: in the value of a field when the line is
    JSON (``text: byte 0xe9 at character 7``), else in the line."""
    try:
        found = _problem_in(json.loads(text))
    except json.JSONDecodeError:
        found = None
    problem = found or encoding_problem("line", text)
    assert problem is not None
    return problem


def _problem_in(data: Any, name: str = "value") -> EncodingProblem | None:
    """The first undecodable byte in a string of ``data`` (keys and values, depth first), named
    by the key that holds it."""
    if isinstance(data, str):
        return encoding_problem(name, data)
    if isinstance(data, dict):
        pairs = [(str(key), value) for key, value in data.items()]
    elif isinstance(data, list):
        pairs = [(f"{name}[{index}]", value) for index, value in enumerate(data)]
    else:
        return None
    for key, value in pairs:
        found = encoding_problem("key", key) or _problem_in(value, key)
        if found is not None:
            return found
    return None


def _as_id(value: Any) -> str | None:
    """Ids are strings in the output; numbers are written as they read (``17``, not ``17.0``)."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value)
