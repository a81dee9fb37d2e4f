"""Notes from a folder of ``.txt`` files, one note per file, found recursively in sorted order (so
a re-run meets them in the same order). A note's id is its path relative to the folder without
``.txt`` (``2150/note-17``); its text is the file's content exactly (line ends kept)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from .notes import BAD_ENCODING, InputItem, Rejected, check_note

SUFFIX = ".txt"


class FolderNotes:
    """A folder of text files as a :class:`~.notes.NoteSource`; progress counts files."""

    unit = "file"

    def __init__(self, path: Path, *, encoding: str = "utf-8") -> None:
        self.path = str(path)
        self._root = path
        self.encoding = encoding
        # Listing names is cheap next to annotating the notes, and gives the bar its total.
        self.total: int | None = sum(1 for _ in _walk(path))
        self._done = 0

    def position(self) -> int:
        return self._done

    def items(self) -> Iterator[InputItem]:
        for path in _walk(self._root):
            self._done += 1
            yield self._item(path)

    def _item(self, path: Path) -> InputItem:
        source = str(path)
        note_id = path.relative_to(self._root).with_suffix("").as_posix()
        try:
            data = path.read_bytes()
        except OSError as error:
            return Rejected(note_id, source, "failed", "unreadable file", str(error))
        try:
            text = data.decode(self.encoding)
        except UnicodeDecodeError as error:
            detail = (
                f"byte 0x{data[error.start]:02x} at byte offset {error.start} is not "
                f"{self.encoding}: {error.reason}"
            )
            return Rejected(note_id, source, "failed", BAD_ENCODING, detail)
        return check_note(note_id, text, source)


def _walk(root: Path) -> Iterator[Path]:
    """``.txt`` files under ``root``, depth first, names sorted at every level."""
    with os.scandir(root) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        if entry.is_dir():
            yield from _walk(Path(entry.path))
        elif entry.is_file() and entry.name.endswith(SUFFIX):
            yield Path(entry.path)
