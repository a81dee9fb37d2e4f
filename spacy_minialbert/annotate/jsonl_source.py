"""Notes from a JSON Lines file (``.jsonl``, ``.ndjson``, optionally ``.gz``), streamed: one JSON
object per line with an id and a text field (defaults ``id`` and ``text``, configurable; an
``ISERROR``/``iserror`` field of 1 skips the note as in NOTEEVENTS). Blank lines are ignored.
A UTF-8 byte-order mark at the start of the file (spreadsheet and Windows exports) is skipped.
Each record's source is ``file:line``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .counting import CountedFile
from .notes import (
    BAD_ENCODING,
    ISERROR,
    MALFORMED,
    InputItem,
    Rejected,
    check_note,
    utf8_bom_length,
)

DEFAULT_ID_FIELD = "id"
DEFAULT_TEXT_FIELD = "text"


class JsonlNotes:
    """A JSON Lines file as a :class:`~.notes.NoteSource`."""

    unit = "B"

    def __init__(
        self,
        path: Path,
        *,
        id_field: str | None = None,
        text_field: str | None = None,
        encoding: str = "utf-8",
        keep_iserror: bool = False,
    ) -> None:
        self.path = str(path)
        self._path = path
        self.id_field = id_field or DEFAULT_ID_FIELD
        self.text_field = text_field or DEFAULT_TEXT_FIELD
        self.encoding = encoding
        self.keep_iserror = keep_iserror
        self.total: int | None = path.stat().st_size
        self._file: CountedFile | None = None

    def position(self) -> int:
        return self._file.position() if self._file is not None else 0

    def items(self) -> Iterator[InputItem]:
        self._file = CountedFile(self._path)
        try:
            for number, raw in enumerate(self._file.binary, start=1):
                if number == 1:  # a byte-order mark before the first record is not JSON
                    raw = raw[utf8_bom_length(raw, self.encoding) :]
                if raw.strip():
                    yield self._item(raw, f"{self.path}:{number}")
        finally:
            self._file.close()

    def _item(self, raw: bytes, source: str) -> InputItem:
        try:
            line = raw.decode(self.encoding)
        except UnicodeDecodeError as error:
            detail = (
                f"byte 0x{raw[error.start]:02x} at byte {error.start} of the line: {error.reason}"
            )
            return Rejected(None, source, "failed", BAD_ENCODING, detail)
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            return Rejected(None, source, "failed", MALFORMED, f"not JSON: {error}")
        if not isinstance(data, dict):
            kind = type(data).__name__
            return Rejected(None, source, "failed", MALFORMED, f"a JSON {kind}, not an object")
        note_id = _as_id(data.get(self.id_field))
        if not self.keep_iserror and str(data.get("ISERROR", data.get("iserror", ""))) in (
            "1",
            "1.0",
        ):
            return Rejected(note_id, source, "skipped", ISERROR)
        text = data.get(self.text_field)
        if text is not None and not isinstance(text, str):
            kind = type(text).__name__
            return Rejected(
                note_id, source, "failed", MALFORMED, f"{self.text_field!r} is a {kind}"
            )
        return check_note(note_id, text, source)


def _as_id(value: Any) -> str | None:
    """Ids are strings in the output; numbers are written as they read (``17``, not ``17.0``)."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value)
