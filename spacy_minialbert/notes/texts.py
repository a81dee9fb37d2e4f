"""Only the texts of notes, for uses that need nothing else (learning a vocabulary)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from .encoding import DEFAULT_ENCODING
from .formats import open_notes
from .records import Note

logger = logging.getLogger(__name__)


def note_texts(path: Path, *, encoding: str = DEFAULT_ENCODING) -> Iterator[str]:
    """The texts of the notes in the file or folder at ``path`` (format from the name; records
    need no id). What is no note is skipped and reported, never altered: each failed record
    is a warning naming its source, reason and detail (never its text), and the file's skipped
    records are counted by reason in one warning at the end."""
    skipped: Counter[str] = Counter()
    for item in open_notes(path, encoding=encoding, require_id=False).items():
        if isinstance(item, Note):
            yield item.text
            continue
        skipped[item.reason] += 1
        if item.outcome == "failed":
            logger.warning("%s: skipped, %s: %s", item.source, item.reason, item.detail)
    if skipped:
        counts = ", ".join(f"{reason}: {count}" for reason, count in skipped.items())
        logger.warning("%s: %d records skipped (%s).", path, skipped.total(), counts)
