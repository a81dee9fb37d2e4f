"""Opening an input file for streaming while counting the bytes read from disk, so progress and
ETA can be measured against the file size without ``tell()`` (which text-mode iteration and the
csv module disable)."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import IO, BinaryIO


class CountingReader(io.RawIOBase):
    """A raw binary stream over ``raw`` that counts the bytes read through it."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.count += size
        return size

    def close(self) -> None:
        self._raw.close()
        super().close()


class CountedFile:
    """An input file (``.gz`` decompressed on the fly) and how far into it reading has got, in
    bytes of the file on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size
        self._counter = CountingReader(path.open("rb"))
        buffered = io.BufferedReader(self._counter, buffer_size=1 << 20)
        self.binary: IO[bytes] = buffered
        if path.suffix == ".gz":
            self.binary = gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[assignment]

    def text(self, encoding: str) -> IO[str]:
        """The file as text. Undecodable bytes become lone surrogates (``surrogateescape``) so
        one bad record is reported instead of ending the run; ``newline=""`` keeps every line end
        as stored, which the csv module needs and the offsets count."""
        return io.TextIOWrapper(
            self.binary, encoding=encoding, errors="surrogateescape", newline=""
        )

    def position(self) -> int:
        return self._counter.count

    def close(self) -> None:
        self.binary.close()
        self._counter.close()
