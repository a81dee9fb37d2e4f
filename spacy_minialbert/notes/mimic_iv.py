"""Notes from MIMIC-IV-Note (``discharge.csv.gz``, ``radiology.csv.gz``): a CSV read like any
other (:class:`MimicIvNotes`, a :class:`~.csv_notes.CsvNotes`), with ``note_id`` as the id
(``10000032-DS-21``) and ``text`` as the note. The input format ``mimic-iv``, chosen by the
file's name; the detail files (``discharge_detail.csv.gz``: ``field_name``/``field_value`` per
note) hold no text and are refused by name."""

from __future__ import annotations

from pathlib import Path

from .csv_notes import CsvNotes

NAMES = ("discharge", "radiology", "discharge_detail", "radiology_detail")
DETAIL_COLUMNS = ("FIELD_NAME", "FIELD_VALUE")


def is_mimic_iv_name(path: Path) -> bool:
    """``discharge.csv.gz``, ``radiology.csv`` and their ``_detail`` files."""
    return path.name.lower().removesuffix(".gz").removesuffix(".csv") in NAMES


def check_not_detail(path: Path, header: list[str]) -> None:
    """ValueError when ``header`` is a detail file's (by its columns, whatever the file's name)."""
    names = [name.strip().upper() for name in header]
    if all(name in names for name in DETAIL_COLUMNS) and "TEXT" not in names:
        raise ValueError(
            f"{path}: a MIMIC-IV-Note detail file (field_name/field_value per note) holds no note "
            "text; give discharge.csv.gz or radiology.csv.gz."
        )


class MimicIvNotes(CsvNotes):
    """The reader of a MIMIC-IV-Note notes file; a detail file (no text) is refused."""

    default_id_column = "note_id"
    default_text_column = "text"

    def _check_header(self, header: list[str]) -> None:
        check_not_detail(self._path, header)
