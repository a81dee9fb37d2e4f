"""Choosing the reader for an input: a folder of ``.txt`` notes, a blank-line separated text
file, a CSV, JSON Lines, or a MIMIC-IV-Note file (``discharge.csv.gz``, ``radiology.csv.gz``,
recognised by name). A table or query of a database is read by
:class:`~.database.DatabaseNotes`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from .csv_notes import CsvNotes
from .encoding import DEFAULT_ENCODING
from .folder_notes import FolderNotes
from .jsonl_notes import JsonlNotes
from .mimic_iv import MimicIvNotes, is_mimic_iv_name
from .text_notes import TextNotes

NOTE_FORMATS = ("folder", "text", "csv", "jsonl", "mimic-iv")
FileNotes = FolderNotes | TextNotes | CsvNotes | JsonlNotes
_SUFFIXES = {
    ".txt": "text",
    ".text": "text",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


@dataclass(frozen=True)
class InputOptions:
    """How to read an input of notes, as the commands' options (``--format``, ``--id-column``,
    ``--text-column``, ``--encoding``, ``--keep-iserror``) say it; one object for every engine
    (the Spark engine reads its input with it too). None: the format's default (from the name;
    ``ROW_ID``/``TEXT`` for CSV, ``id``/``text`` for JSONL)."""

    input_format: str | None = None
    id_column: str | None = None
    text_column: str | None = None
    encoding: str = DEFAULT_ENCODING
    keep_iserror: bool = False

    def open(self, path: Path) -> FileNotes:
        """The reader of ``path`` with these options (:func:`open_notes`)."""
        return open_notes(path, **asdict(self))


def format_from_name(path: Path) -> str | None:
    """``mimic-iv`` for MIMIC-IV-Note names (``discharge.csv.gz``), else from the suffix (``.gz``
    looked through); None when the name does not tell."""
    if is_mimic_iv_name(path):
        return "mimic-iv"
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return _SUFFIXES.get(suffixes[-1]) if suffixes else None


def detect_format(path: Path) -> str:
    """``folder`` for a directory, else :func:`format_from_name`; ValueError when neither tells."""
    if path.is_dir():
        return "folder"
    found = format_from_name(path)
    if found is None:
        raise ValueError(
            f"{path}: cannot tell the input format from the name; give a folder of .txt notes, "
            "a .txt, .csv or .jsonl file, or say which with --format."
        )
    return found


def open_notes(
    path: Path,
    *,
    input_format: str | None = None,
    id_column: str | None = None,
    text_column: str | None = None,
    encoding: str = DEFAULT_ENCODING,
    keep_iserror: bool = False,
    require_id: bool = True,
) -> FileNotes:
    """The reader for ``path``. ``id_column``/``text_column`` name a CSV column or a JSON key;
    ``keep_iserror`` keeps records flagged ``ISERROR`` = 1; ``require_id=False`` numbers the
    records that have no id (by line) instead of failing them."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder.")
    chosen = input_format or detect_format(path)
    if chosen not in NOTE_FORMATS:
        raise ValueError(
            f"Unknown input format {chosen!r}; choose one of {', '.join(NOTE_FORMATS)}."
        )
    if chosen == "folder" and not path.is_dir():
        raise ValueError(f"{path}: --format folder needs a directory.")
    if chosen != "folder" and path.is_dir():
        raise ValueError(f"{path}: a folder; --format {chosen} reads a file.")
    if chosen in ("folder", "text"):
        if id_column or text_column:
            kind = "folders" if chosen == "folder" else "text"
            raise ValueError(f"--id-column/--text-column apply to CSV and JSONL input, not {kind}.")
        return (FolderNotes if chosen == "folder" else TextNotes)(path, encoding=encoding)
    reader = JsonlNotes if chosen == "jsonl" else MimicIvNotes if chosen == "mimic-iv" else CsvNotes
    return reader(
        path, id_column=id_column, text_column=text_column, encoding=encoding,
        keep_iserror=keep_iserror, require_id=require_id,
    )  # fmt: skip
