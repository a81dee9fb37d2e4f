"""What the readers of one file of notes read line by line (text, JSON Lines, CSV) share: the
file's name and size, the encoding checked up front, and progress in bytes read from disk."""

from __future__ import annotations

from pathlib import Path

from .encoding import checked_encoding
from .lines import LineFile


class StreamedFile:
    """The part of a :class:`~.records.NoteSource` that reads ``path`` with a :class:`LineFile`."""

    unit = "B"

    def __init__(self, path: Path, encoding: str) -> None:
        self.path = str(path)
        self._path = path
        self.encoding = checked_encoding(encoding)
        self.total: int | None = path.stat().st_size
        self._file: LineFile | None = None

    def position(self) -> int:
        return self._file.position() if self._file is not None else 0

    def _open(self, start: int, *, lone_cr_ends_line: bool = False) -> LineFile:
        """The file from byte offset ``start`` on, kept for :meth:`position` (also once closed)."""
        self._file = LineFile(
            self._path, self.encoding, start=start, lone_cr_ends_line=lone_cr_ends_line
        )
        return self._file
