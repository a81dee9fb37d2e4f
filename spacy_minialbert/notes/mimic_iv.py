"""Notes from MIMIC-IV-Note (``discharge.csv.gz``, ``radiology.csv.gz``): a CSV read like any
other (:class:`~.csv_notes.CsvNotes`), with ``note_id`` as the id (``10000032-DS-21``) and
``text`` as the note. The input format ``mimic-iv``, chosen by the file's name; the detail files
(``discharge_detail.csv.gz``: ``field_name``/``field_value`` per note) hold no text and are
refused by name."""

from __future__ import annotations

from pathlib import Path

from .csv_notes import COLUMN_HINT, CsvNotes, read_header
from .encoding import DEFAULT_ENCODING

ID_COLUMN = "note_id"
TEXT_COLUMN = "text"
NOTE_FILES = ("discharge", "radiology")
DETAIL_FILES = ("discharge_detail", "radiology_detail")
DETAIL_COLUMNS = ("FIELD_NAME", "FIELD_VALUE")


def _stem(path: Path) -> str:
    return path.name.lower().removesuffix(".gz").removesuffix(".csv")


def is_mimic_iv_name(path: Path) -> bool:
    """``discharge.csv.gz``, ``radiology.csv`` and their ``_detail`` files."""
    return _stem(path) in NOTE_FILES or _stem(path) in DETAIL_FILES


def check_not_detail(path: Path, header: list[str]) -> None:
    """ValueError when ``header`` is a detail file's (by its columns, whatever the file's name)."""
    names = [name.strip().upper() for name in header]
    if all(name in names for name in DETAIL_COLUMNS) and "TEXT" not in names:
        raise ValueError(
            f"{path}: a MIMIC-IV-Note detail file (field_name/field_value per note) holds no note "
            "text; give discharge.csv.gz or radiology.csv.gz."
        )


def mimic_iv_notes(
    path: Path,
    *,
    id_column: str | None = None,
    text_column: str | None = None,
    encoding: str = DEFAULT_ENCODING,
    keep_iserror: bool = False,
    require_id: bool = True,
    hint: str = COLUMN_HINT,
) -> CsvNotes:
    """The reader of a MIMIC-IV-Note notes file; a detail file (no text) is refused."""
    check_not_detail(path, read_header(path, encoding))
    return CsvNotes(
        path,
        id_column=id_column or ID_COLUMN,
        text_column=text_column or TEXT_COLUMN,
        encoding=encoding,
        keep_iserror=keep_iserror,
        require_id=require_id,
        hint=hint,
    )
