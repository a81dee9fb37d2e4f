"""Checking an annotation's surface text against the document, and finding it again nearby when the
offsets are off (the documented relocation rule every reader uses)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from pathlib import Path

# How far (in characters, either side of the annotated start) a mismatching mention is searched
# for. Large enough for the known shifted records (a run of missing spaces), small enough that a
# common word is not "found" in another sentence.
RELOCATION_WINDOW = 100


def same_surface(found: str, expected: str, *, ignore_case: bool = False) -> bool:
    """Whether the document's ``found`` text is the annotation's ``expected`` surface, with
    whitespace runs collapsed to one space and the ends stripped: annotation lines cannot hold the
    newlines the document has."""
    found, expected = " ".join(found.split()), " ".join(expected.split())
    return found.casefold() == expected.casefold() if ignore_case else found == expected


def relocate(
    text: str, start: int, surface: str, *, window: int = RELOCATION_WINDOW
) -> tuple[int, int] | None:
    """The occurrence of ``surface`` (whitespace-insensitive) nearest to ``start`` that begins
    within ``window`` characters of it, or None."""
    words = surface.split()
    if not words:
        return None
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
    low = max(0, start - window)
    high = min(len(text), start + window + len(surface))
    best: tuple[int, int] | None = None
    for match in pattern.finditer(text, low, high):
        if abs(match.start() - start) > window:
            continue
        if best is None or abs(match.start() - start) < abs(best[0] - start):
            best = (match.start(), match.end())
    return best


class CorpusFileError(ValueError):
    """A corpus file that cannot be read as its format requires. ``reason`` is the rule it broke
    (what the account counts by), ``line`` where (1-based; None for the whole file) and ``detail``
    what exactly was found. Readers turn it into a failed document in the account; it says nothing
    of the file's text beyond the offending bytes or markup."""

    def __init__(self, file: str | Path, line: int | None, reason: str, detail: str = "") -> None:
        self.file = str(file)
        self.line = line
        self.reason = reason
        self.detail = detail
        where = self.file if line is None else f"{self.file}:{line}"
        super().__init__(f"{where}: {reason}" + (f" ({detail})" if detail else ""))


NOT_UTF8 = "not UTF-8"
REENCODE = "re-encode the file, e.g. iconv -f latin1 -t utf8"
BOM = "\ufeff"


def decode_utf8(data: bytes, file: str | Path, *, first_line: int = 1, offset: int = 0) -> str:
    """``data`` decoded as UTF-8; else :class:`CorpusFileError` naming the line and byte offset
    (counted from ``first_line``/``offset``, for data that starts inside a file) of the first
    invalid byte."""
    try:
        return data.decode("utf8")
    except UnicodeDecodeError as error:
        line = first_line + data.count(b"\n", 0, error.start)
        bad = data[error.start : error.end].hex(" ")
        raise CorpusFileError(
            file,
            line,
            NOT_UTF8,
            f"byte offset {offset + error.start}: {bad} is not valid UTF-8; {REENCODE}",
        ) from None


def read_text(path: Path) -> str:
    """A document's text exactly as stored: UTF-8, line ends untouched, because annotation offsets
    count ``\\r`` characters where the file has them. A byte that is not UTF-8 raises
    :class:`CorpusFileError` with its line and byte offset."""
    return decode_utf8(path.read_bytes(), path)


def read_annotations(path: Path) -> str:
    """An annotation file (brat ``.ann``, i2b2 ``.con``/``.ast``) as text, without the byte order
    mark some editors write first: it is an encoding signature, not part of the first line."""
    return read_text(path).removeprefix(BOM)


def check_utf8(path: Path) -> None:
    """Raise :class:`CorpusFileError` at the first line of ``path`` that is not UTF-8, reading it
    line by line (for files too large to hold, read again afterwards as text)."""
    offset = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            decode_utf8(raw, path, first_line=number, offset=offset)
            offset += len(raw)


def corpus_files(path: str | Path, suffixes: Collection[str]) -> list[Path]:
    """``path`` itself when it is a file, else every file under it with one of ``suffixes``,
    sorted."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or folder.")
    return sorted(p for p in path.rglob("*") if p.suffix in suffixes and p.is_file())


def check_columns(path: Path, header: Sequence[str], required: Sequence[str], kind: str) -> None:
    """ValueError unless ``header`` has every ``required`` column: ``path`` is not ``kind`` (e.g.
    "a NOTEEVENTS CSV")."""
    missing = [name for name in required if name not in header]
    if missing:
        raise ValueError(
            f"{path}: not {kind}, the header lacks {', '.join(missing)} "
            f"(found {', '.join(header) or 'no header'})."
        )


def line_starts(text: str) -> list[int]:
    """Offsets at which each line of ``text`` begins (index 0 is line 1)."""
    return [0] + [match.end() for match in re.finditer("\n", text)]
