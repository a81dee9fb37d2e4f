"""What every reader of notes yields: a note, or a record that cannot be one (with the reason)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from .encoding import EncodingProblem, encoding_problem

Outcome = Literal["skipped", "failed"]

# Reasons (the keys the summaries count by).
ALREADY_DONE = "already annotated"
ISERROR = "ISERROR=1"
EMPTY_TEXT = "empty text"
MISSING_ID = "missing id"
MISSING_TEXT = "missing text"
BAD_ENCODING = "unreadable encoding"
MALFORMED = "malformed record"
DUPLICATE_ID = "duplicate id"
COMPONENT_ERROR = "pipeline error"
# Entries of a folder of notes (see folder).
NOT_A_NOTE_FILE = "not a .txt file"
NOT_A_REGULAR_FILE = "not a regular file"
SYMLINK_LOOP = "symlink loop"
UNREADABLE_FILE = "unreadable file"
UNREADABLE_FOLDER = "unreadable folder"


@dataclass(frozen=True)
class Note:
    """A note: its id, its text exactly as stored, and where it came from (``file:line``, a file
    path, ``table#n``). Where the reader knows them: the record's other fields (a CSV row's
    columns by upper-cased header name, e.g. ``CATEGORY``, ``SUBJECT_ID``), the line it starts
    on, and the byte offsets of its start and of the end of its last line in the file's content
    (uncompressed for ``.gz``; reading can resume at ``end``). These are not compared: two notes
    are equal when id, text and source are."""

    note_id: str
    text: str
    source: str
    fields: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    line: int | None = field(default=None, compare=False)
    start: int | None = field(default=None, compare=False)
    end: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Rejected:
    """An input record that is no note: skipped (by rule) or failed (bad record), with the reason
    (one of the constants above) and details naming what was wrong, never quoting note text.
    ``problem`` says where undecodable bytes are (reason ``unreadable encoding``); ``fields``
    (of a row that parsed), ``line``, ``start`` and ``end`` are as in :class:`Note`."""

    note_id: str | None
    source: str
    outcome: Outcome
    reason: str
    detail: str = ""
    problem: EncodingProblem | None = field(default=None, compare=False)
    fields: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    line: int | None = field(default=None, compare=False)
    start: int | None = field(default=None, compare=False)
    end: int | None = field(default=None, compare=False)

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
    the input file, or files of a folder, or rows) so a progress bar can show an ETA without
    reading the input twice."""

    path: str
    unit: str
    total: int | None

    def items(self) -> Iterator[InputItem]: ...

    def position(self) -> int: ...


def undecodable(note_id: str | None, source: str, problem: EncodingProblem) -> Rejected:
    """The failed record of a record holding undecodable bytes."""
    return Rejected(note_id, source, "failed", BAD_ENCODING, str(problem), problem)


def check_note(
    note_id: str | None,
    text: str | None,
    source: str,
    *,
    id_name: str = "id",
    text_name: str = "text",
) -> InputItem:
    """The note, or why it cannot be one: a missing id, bytes that are not valid in the input's
    encoding (read with ``errors="surrogateescape"``), missing or empty text. ``id_name`` and
    ``text_name`` are the fields' names in the input, for the details."""
    if note_id is None or not note_id.strip():
        return Rejected(None, source, "failed", MISSING_ID, "the id field is empty or absent")
    note_id = note_id.strip()
    problem = encoding_problem(id_name, note_id)
    if problem is not None:
        return undecodable(None, source, problem)
    problem = encoding_problem(text_name, text or "")
    if problem is not None:
        return undecodable(note_id, source, problem)
    if text is None:
        return Rejected(note_id, source, "failed", MISSING_TEXT, "the text field is absent")
    if not text.strip():
        return Rejected(note_id, source, "failed", EMPTY_TEXT, f"{len(text)} characters, all blank")
    return Note(note_id, text, source)
