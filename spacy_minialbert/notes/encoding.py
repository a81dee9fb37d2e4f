"""The one encoding policy of every reader of notes.

Bytes are decoded with ``errors="surrogateescape"``: a byte that is not valid in the encoding
becomes a lone surrogate (byte ``b`` is ``U+DC00 + b``) instead of ending the run or being replaced
(``U+FFFD`` would put text no note contains into an annotation or a training window). No valid text
holds a lone surrogate, so :func:`encoding_problem` finds the byte again, and the record holding
it is a failed record that names the field, the byte and where it is. A UTF-8 byte-order mark at
the start of a file is no part of a note and is skipped.

Files are split into lines before they are decoded, so the encoding must write line ends and the
ASCII characters as the single bytes ASCII has (UTF-8, Latin-1, cp1252 and the like do; UTF-16
does not and is refused by name)."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

DEFAULT_ENCODING = "utf-8"
# Line ends and what CSV and JSON syntax are made of: each must be one ASCII byte.
_SYNTAX = "\r\n,\"'{}[]:\\ 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class EncodingProblem:
    """Where a field holds something that is no valid text: ``what`` (``byte 0xff``, or
    ``U+D800`` for a lone surrogate such as a JSON ``\\ud800`` escape) at ``index`` (a character
    index into the field's value)."""

    field: str
    what: str
    index: int

    def at(self) -> str:
        """``byte 0xff at character 7``."""
        return f"{self.what} at character {self.index}"

    def __str__(self) -> str:
        return f"{self.field}: {self.at()} is not valid text in the input encoding"


def checked_encoding(encoding: str) -> str:
    """The codec's canonical name (``utf-8`` for ``UTF8``); ValueError for an unknown encoding
    or one whose line ends and ASCII are not single ASCII bytes. ``utf-8-sig`` is ``utf-8``: the
    mark is skipped in any case."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ValueError(f"Unknown encoding {encoding!r}.") from None
    if name == "utf-8-sig":
        return DEFAULT_ENCODING
    try:
        same = _SYNTAX.encode(name) == _SYNTAX.encode("ascii")
    except UnicodeEncodeError:
        same = False
    if not same:
        raise ValueError(
            f"The encoding {encoding!r} is not supported: notes are read line by line, which "
            "needs an encoding that writes line ends and ASCII as single bytes (UTF-8, Latin-1, "
            "cp1252, ...); convert the file to UTF-8 first (e.g. iconv -f utf-16 -t utf-8)."
        )
    return name


def decode(data: bytes, encoding: str) -> str:
    """``data`` as text; undecodable bytes kept as lone surrogates (see the module docstring)."""
    return data.decode(encoding, errors="surrogateescape")


def utf8_bom_length(data: bytes, encoding: str) -> int:
    """How many bytes at the start of ``data`` are a UTF-8 byte-order mark when it is read as
    UTF-8 (3 or 0). Spreadsheet exports and Windows editors write the mark; it is never part of a
    note or a record, so readers skip it (and offsets count from the character after it)."""
    if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
        return 0
    return len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0


def encoding_problem(field: str, value: str) -> EncodingProblem | None:
    """The first thing in the value of ``field`` that cannot be written as UTF-8: a character
    that stands for an undecodable input byte, or a lone surrogate. None when the value is clean."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(value[error.start])
        what = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
        return EncodingProblem(field, what, error.start)
    return None
