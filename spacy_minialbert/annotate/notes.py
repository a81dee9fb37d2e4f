"""What the input readers yield: a note to annotate, or a record that cannot be one."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

Outcome = Literal["skipped", "failed"]

# Reasons (the keys the summary counts by).
ALREADY_DONE = "already annotated"
ISERROR = "ISERROR=1"
EMPTY_TEXT = "empty text"
MISSING_ID = "missing id"
MISSING_TEXT = "missing text"
BAD_ENCODING = "unreadable encoding"
MALFORMED = "malformed record"
DUPLICATE_ID = "duplicate id"
COMPONENT_ERROR = "pipeline error"
# Entries of a folder of notes (see folder_source).
NOT_A_NOTE_FILE = "not a .txt file"
NOT_A_REGULAR_FILE = "not a regular file"
SYMLINK_LOOP = "symlink loop"
UNREADABLE_FILE = "unreadable file"
UNREADABLE_FOLDER = "unreadable folder"


@dataclass(frozen=True)
class Note:
    """A note to annotate: its id, its text exactly as stored, and where it came from
    (``file:line`` or a file path)."""

    note_id: str
    text: str
    source: str


@dataclass(frozen=True)
class Rejected:
    """An input record that will not be annotated: skipped (by rule) or failed (bad record),
    with the reason (one of the constants above) and details naming what was wrong."""

    note_id: str | None
    source: str
    outcome: Outcome
    reason: str
    detail: str = ""

    def to_json(self) -> dict[str, str | None]:
        return {
            "id": self.note_id,
            "source": self.source,
            "outcome": self.outcome,
            "reason": self.reason,
            "detail": self.detail,
        }


InputItem = Note | Rejected


class NoteSource(Protocol):
    """A stream of input records. ``position``/``total`` measure progress in ``unit`` (bytes of
    the input file, or files of a folder) so a progress bar can show an ETA without reading the
    input twice."""

    path: str
    unit: str
    total: int | None

    def items(self) -> Iterator[InputItem]: ...

    def position(self) -> int: ...


def utf8_bom_length(data: bytes, encoding: str) -> int:
    """How many bytes at the start of ``data`` are a UTF-8 byte-order mark when it is read as
    UTF-8 (3 or 0). Spreadsheet exports and Windows editors write the mark; it is never part of a
    note or a record, so readers skip it (and offsets count from the character after it)."""
    if codecs.lookup(encoding).name != "utf-8" or not data.startswith(codecs.BOM_UTF8):
        return 0
    return len(codecs.BOM_UTF8)


def first_undecodable(text: str) -> tuple[int, str] | None:
    """Where ``text`` holds something that cannot be written as UTF-8, and what: a character that
    stands for an undecodable input byte (``surrogateescape`` maps byte ``b`` to ``U+DC00 + b``)
    or a lone surrogate (e.g. from a JSON ``\\ud800`` escape). None when the text is clean."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(text[error.start])
        what = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
        return error.start, what
    return None


def check_note(note_id: str | None, text: str | None, source: str) -> InputItem:
    """The note, or why it cannot be one: a missing id, missing or empty text, or bytes that are
    not valid in the input's encoding (read with ``errors="surrogateescape"``)."""
    if note_id is None or not note_id.strip():
        return Rejected(None, source, "failed", MISSING_ID, "the id field is empty or absent")
    note_id = note_id.strip()
    for name, value in (("id", note_id), ("text", text or "")):
        found = first_undecodable(value)
        if found is not None:
            index, what = found
            return Rejected(
                note_id if name == "text" else None,
                source,
                "failed",
                BAD_ENCODING,
                f"{name}: {what} at character {index} is not valid text in the input encoding",
            )
    if text is None:
        return Rejected(note_id, source, "failed", MISSING_TEXT, "the text field is absent")
    if not text.strip():
        return Rejected(note_id, source, "failed", EMPTY_TEXT, f"{len(text)} characters, all blank")
    return Note(note_id, text, source)
