"""What every reader of MIMIC-III NOTEEVENTS-style CSV files shares (the converter, the batch
annotator and the distiller each stream the file their own way)."""

from __future__ import annotations

import csv
import sys

# ISERROR = 1 marks a note a physician flagged as an error; readers exclude these by default.
ISERROR_COLUMN = "ISERROR"


def is_flagged_error(value: str | None) -> bool:
    """Whether an ``ISERROR`` cell marks the note as an error (``1``, or ``1.0`` in exports)."""
    return value is not None and value.strip() in ("1", "1.0")


def raise_csv_field_limit() -> None:
    """Lift the csv module's 128 KiB field limit as far as this platform's C long allows:
    discharge summaries are longer than that."""
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 2
