"""Choosing the reader for an input: a folder of ``.txt`` notes, a CSV, JSON Lines, or a
MIMIC-IV-Note file (``discharge.csv.gz``, ``radiology.csv.gz``, recognised by name)."""

from __future__ import annotations

from pathlib import Path

from .csv_source import CsvNotes
from .folder_source import FolderNotes
from .jsonl_source import JsonlNotes
from .mimic_iv_source import is_mimic_iv_name, mimic_iv_notes
from .notes import NoteSource

FORMATS = ("folder", "csv", "jsonl", "mimic-iv")
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


def detect_format(path: Path) -> str:
    """``folder`` for a directory, ``mimic-iv`` for MIMIC-IV-Note names (``discharge.csv.gz``),
    else from the suffix (``.gz`` looked through)."""
    if path.is_dir():
        return "folder"
    if is_mimic_iv_name(path):
        return "mimic-iv"
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    found = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    if found is None:
        raise ValueError(
            f"{path}: cannot tell the input format from the name; give a folder of .txt notes, "
            "a .csv or a .jsonl file, or say which with --format."
        )
    return found


def open_notes(
    path: Path,
    *,
    input_format: str | None = None,
    id_column: str | None = None,
    text_column: str | None = None,
    encoding: str = "utf-8",
    keep_iserror: bool = False,
) -> NoteSource:
    """The reader for ``path``. ``id_column``/``text_column`` name a CSV column or a JSON key."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder.")
    chosen = input_format or detect_format(path)
    if chosen not in FORMATS:
        raise ValueError(f"Unknown input format {chosen!r}; choose one of {', '.join(FORMATS)}.")
    if chosen == "folder":
        if not path.is_dir():
            raise ValueError(f"{path}: --format folder needs a directory.")
        if id_column or text_column:
            raise ValueError("--id-column/--text-column apply to CSV and JSONL input, not folders.")
        return FolderNotes(path, encoding=encoding)
    if chosen == "mimic-iv":
        return mimic_iv_notes(path, id_column=id_column, text_column=text_column, encoding=encoding)
    if chosen == "csv":
        return CsvNotes(
            path,
            id_column=id_column,
            text_column=text_column,
            encoding=encoding,
            keep_iserror=keep_iserror,
        )
    return JsonlNotes(
        path,
        id_field=id_column,
        text_field=text_column,
        encoding=encoding,
        keep_iserror=keep_iserror,
    )
