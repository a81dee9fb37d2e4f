"""The ``ISERROR`` flag of MIMIC-III NOTEEVENTS-style records, shared by the readers of notes and
Spark's input reader."""

from __future__ import annotations

# ISERROR = 1 marks a note a physician flagged as an error; readers skip these (and count them)
# unless told to keep them (``keep_iserror``, ``--keep-iserror``: the option's one name).
ISERROR_COLUMN = "ISERROR"
FLAGGED_VALUES = ("1", "1.0")  # 1.0: exports that wrote the column as a float


def is_flagged_error(value: object) -> bool:
    """Whether an ``ISERROR`` value (a CSV cell, a JSON value) marks the note as an error."""
    return value is not None and str(value).strip() in FLAGGED_VALUES
