"""An input file read line by line, each line with its number and its exact byte offsets, so a
reader can say where a record is, report progress, and resume at a saved offset.

Offsets count the bytes of the file's content (uncompressed for ``.gz``), so ``seek`` can find
them again; progress counts the bytes read from disk (compressed for ``.gz``), which the file size
measures. Lines end at ``\\n`` (JSON Lines, plain text) or, for CSV, also at a lone ``\\r`` (as
Python's ``newline=""`` and the csv module count them); the line end is kept.

:class:`StreamedFile` is what the readers of one file of notes (text, JSON Lines, CSV) share: the
file's name and size, the encoding checked up front, and progress in bytes read from disk."""

from __future__ import annotations

import gzip
import io
import re
from collections import deque
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, NamedTuple

from .encoding import DEFAULT_ENCODING, checked_encoding, decode, utf8_bom_length

_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")
_CHUNK = 1 << 20


class Line(NamedTuple):
    text: str
    number: int
    start: int
    end: int


class LineFile(AbstractContextManager["LineFile"]):
    """The lines of ``path`` (``.gz`` decompressed on the fly) from byte offset ``start`` of its
    content on, decoded with ``encoding`` (see :mod:`.encoding`). A UTF-8 byte-order mark at
    offset 0 is no part of the first line (its bytes still count in the offsets). Starting past 0,
    the lines before are counted (at C speed) so line numbers stay those of the file."""

    def __init__(
        self, path: Path, encoding: str, *, start: int = 0, lone_cr_ends_line: bool = False
    ) -> None:
        self.path = path
        self.lone_cr_ends_line = lone_cr_ends_line
        self.encoding = encoding
        self._disk = io.BufferedReader(io.FileIO(path), buffer_size=_CHUNK)
        self._binary: IO[bytes] = self._disk
        if path.suffix.lower() == ".gz":
            self._binary = gzip.GzipFile(fileobj=self._disk, mode="rb")  # type: ignore[assignment]
        self._read = 0  # bytes read from disk, kept when closed
        self.offset = 0  # where the next line starts
        self.number = 1  # the next line's number
        if start:
            self._skip(start)

    def _skip(self, start: int) -> None:
        carriage_return_before = False
        while self.offset < start:
            chunk = self._binary.read(min(_CHUNK, start - self.offset))
            if not chunk:
                raise ValueError(
                    f"{self.path}: cannot resume at byte {start}, the file holds {self.offset} "
                    "bytes (was it changed since?)."
                )
            ends = chunk.count(b"\n")
            if self.lone_cr_ends_line:
                ends += chunk.count(b"\r") - chunk.count(b"\r\n")
                if carriage_return_before and chunk.startswith(b"\n"):
                    ends -= 1  # one "\r\n" split across two chunks
            self.number += ends
            self.offset += len(chunk)
            carriage_return_before = chunk.endswith(b"\r")

    def __iter__(self) -> Iterator[Line]:
        first = self.offset == 0
        for raw in self._binary:
            if first:
                first = False
                bom = utf8_bom_length(raw, self.encoding)
                self.offset += bom
                raw = raw[bom:]
            split = self.lone_cr_ends_line and b"\r" in raw
            for piece in _LONE_CR.split(raw) if split else (raw,):
                if piece:
                    start = self.offset
                    self.offset += len(piece)
                    yield Line(decode(piece, self.encoding), self.number, start, self.offset)
                    self.number += 1

    def texts(self, ends: deque[Line] | None = None) -> Iterator[str]:
        """The lines' texts; each :class:`Line` is also appended to ``ends`` when given."""
        for line in self:
            if ends is not None:
                ends.append(line)
            yield line.text

    def position(self) -> int:
        """Bytes read from disk so far."""
        return self._read if self._disk.closed else self._disk.raw.tell()

    def close(self) -> None:
        self._read = self.position()
        self._binary.close()
        self._disk.close()

    def __exit__(self, *_: object) -> None:
        self.close()


class StreamedFile:
    """The part of a :class:`~.records.NoteSource` that reads ``path`` with a :class:`LineFile`."""

    unit = "B"

    def __init__(self, path: Path, *, encoding: str = DEFAULT_ENCODING) -> None:
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
