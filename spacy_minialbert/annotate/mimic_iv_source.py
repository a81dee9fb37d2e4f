"""Notes from MIMIC-IV-Note (``discharge.csv.gz``, ``radiology.csv.gz``): a CSV read like any
other (:class:`~.csv_source.CsvNotes`), with ``note_id`` as the id (``10000032-DS-21``) and
``text`` as the note. The input format ``mimic-iv``, chosen by the file's name."""

from __future__ import annotations

from pathlib import Path

from .csv_source import CsvNotes

ID_COLUMN = "note_id"
TEXT_COLUMN = "text"
NOTE_FILES = ("discharge", "radiology")
DETAIL_FILES = ("discharge_detail", "radiology_detail")


def is_mimic_iv_name(path: Path) -> bool:
    """``discharge.csv.gz``, ``radiology.csv`` and their ``_detail`` files."""
    stem = path.name.lower().removesuffix(".gz").removesuffix(".csv")
    return stem in NOTE_FILES or stem in DETAIL_FILES


def mimic_iv_notes(
    path: Path,
    *,
    id_column: str | None = None,
    text_column: str | None = None,
    encoding: str = "utf-8",
) -> CsvNotes:
    """The reader of a MIMIC-IV-Note notes file; a detail file (no text) is refused by name."""
    try:
        return CsvNotes(
            path,
            id_column=id_column or ID_COLUMN,
            text_column=text_column or TEXT_COLUMN,
            encoding=encoding,
        )
    except ValueError as error:
        stem = path.name.lower().removesuffix(".gz").removesuffix(".csv")
        if stem in DETAIL_FILES:
            raise ValueError(
                f"{path}: a MIMIC-IV-Note detail file (field_name/field_value per note) holds no "
                "note text; give discharge.csv.gz or radiology.csv.gz."
            ) from error
        raise
