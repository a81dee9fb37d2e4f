"""The inputs ``annotate`` reads are those of :mod:`spacy_minialbert.notes`, the one reader of
notes; these names stay importable from here for scripts written against ``annotate``."""

from __future__ import annotations

from ..notes import NOTE_FORMATS, detect_format, open_notes

__all__ = ["NOTE_FORMATS", "detect_format", "open_notes"]
