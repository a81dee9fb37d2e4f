"""The progress bar: notes done, words per second, and an ETA from how far into the input the
reader is (bytes of a file, or files of a folder), so nothing has to be counted in advance."""

from __future__ import annotations

import time

from tqdm import tqdm

from ..notes.records import NoteSource


class Progress:
    def __init__(self, source: NoteSource, *, enabled: bool = True) -> None:
        byte_unit = source.unit == "B"
        self._source = source
        self._bar = tqdm(
            total=source.total,
            unit=source.unit,
            unit_scale=byte_unit,
            unit_divisor=1024 if byte_unit else 1000,
            desc="annotate",
            disable=not enabled,
            dynamic_ncols=True,
            smoothing=0.05,
        )
        self._start = time.monotonic()
        self._shown = 0

    def update(self, *, notes: int, words: int, failed: int) -> None:
        position = self._source.position()
        if self._bar.total is not None:
            position = min(position, self._bar.total)
        self._bar.update(position - self._shown)
        self._shown = position
        elapsed = max(time.monotonic() - self._start, 1e-9)
        self._bar.set_postfix(notes=f"{notes:,}", words_s=f"{words / elapsed:,.0f}", failed=failed)

    def close(self) -> None:
        self._bar.close()
