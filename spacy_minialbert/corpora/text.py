"""Checking an annotation's surface text against the document, and finding it again nearby when the
offsets are off (the documented relocation rule every reader uses)."""

from __future__ import annotations

import re
from pathlib import Path

# How far (in characters, either side of the annotated start) a mismatching mention is searched
# for. Large enough for the known shifted records (a run of missing spaces), small enough that a
# common word is not "found" in another sentence.
RELOCATION_WINDOW = 100


def squash(text: str) -> str:
    """``text`` with whitespace runs collapsed to one space and the ends stripped: annotation lines
    cannot hold the newlines the document has, so surfaces compare in this form."""
    return " ".join(text.split())


def same_surface(found: str, expected: str, *, ignore_case: bool = False) -> bool:
    """Whether the document's ``found`` text is the annotation's ``expected`` surface."""
    if ignore_case:
        return squash(found).casefold() == squash(expected).casefold()
    return squash(found) == squash(expected)


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


def read_text(path: Path) -> str:
    """A document's text exactly as stored: UTF-8, line ends untouched (``newline=""``), because
    annotation offsets count ``\\r`` characters where the file has them."""
    with path.open(encoding="utf8", newline="") as handle:
        return handle.read()


def line_starts(text: str) -> list[int]:
    """Offsets at which each line of ``text`` begins (index 0 is line 1)."""
    return [0] + [match.end() for match in re.finditer("\n", text)]
