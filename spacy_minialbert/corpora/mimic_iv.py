"""Reader for MIMIC-IV-Note (``discharge.csv.gz``, ``radiology.csv.gz``), streamed row by row.

Input: a CSV (plain or gzip) with a header row and the columns ``note_id, subject_id, hadm_id,
note_type, note_seq, charttime, storetime, text`` (names matched case-insensitively; ``note_id``,
``subject_id``, ``note_type`` and ``text`` required). ``text`` is a quoted field holding many
lines and doubled quotes; rows are read through :mod:`..csv_records`, so a quoting error costs
one failed row, never the rows after it. Every redaction is written ``___``; the clinical
tokenizer keeps it one token and the text is kept exactly, so offsets stay offsets into it.

Each row is one document: ``doc_id`` the ``note_id`` (``10000032-DS-21``), ``group`` the
``subject_id`` (so no patient is in two splits), ``cats`` one exclusive class per ``note_type``
(``DS`` discharge summary, ``RR`` radiology report, ``AR`` radiology addendum), the other
columns kept in ``meta`` (``hadm_id`` is empty for notes outside a hospital stay, such as many
radiology reports). Rows are excluded, each reported with its line, when the note type is not one
of these or the text is empty; a row with bytes that are not UTF-8 is a failed document (``not
UTF-8``, naming the columns), and the rows after it are read as usual. With ``categories`` only
those types are kept; rows of other types are counted, not itemised.

The detail files (``discharge_detail.csv.gz``, ``radiology_detail.csv.gz``: ``note_id,
subject_id, field_name, field_value, field_ordinal``) hold no text; given one, the reader says so.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from ..csv_records import CsvRecords, MalformedRow
from .account import Account
from .mimic import note_class_record
from .records import DocumentRecord
from .text import NOT_UTF8

NOTE_TYPES = ("DS", "RR", "AR")
REQUIRED_COLUMNS = ("NOTE_ID", "SUBJECT_ID", "NOTE_TYPE", "TEXT")
# Bytes that are not UTF-8 are read as lone surrogates ("surrogateescape"), which no valid text
# holds, so the rows that have them fail one by one (the file is not given up at the first).
_UNDECODED = re.compile("[\udc80-\udcff]")
DETAIL_COLUMNS = ("FIELD_NAME", "FIELD_VALUE")
MALFORMED_ROW = "malformed row"
_META_COLUMNS = ("HADM_ID", "NOTE_SEQ", "CHARTTIME", "STORETIME")


def mimic_iv_note_documents(
    path: str | Path,
    *,
    account: Account,
    categories: Sequence[str] | None = None,
) -> Iterator[DocumentRecord]:
    """Notes of a MIMIC-IV-Note CSV, streamed, as documents with their note type as text class."""
    path = Path(path)
    selected = _selected(categories)
    file = str(path)
    with open_mimic_csv(path) as handle:
        records = CsvRecords(handle)
        try:
            header = [name.strip().upper() for name in records.header() or []]
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from error
        check_header(path, header)
        column = {name: index for index, name in enumerate(header)}
        rows = records.rows(
            width=len(header), id_index=column["NOTE_ID"], text_index=column["TEXT"]
        )
        for found in rows:
            if isinstance(found, MalformedRow):
                account.document_failed(
                    MALFORMED_ROW,
                    file=file,
                    line=found.line,
                    doc_id=found.row_id,
                    detail=found.describe(),
                )
                continue
            row = {name: found.values[index] for name, index in column.items()}
            record = _record(row, selected, account, file, found.line)
            if record is not None:
                yield record


def check_header(path: Path, header: list[str]) -> None:
    """ValueError unless ``header`` (upper-cased names) is a MIMIC-IV-Note notes file's."""
    if all(name in header for name in DETAIL_COLUMNS) and "TEXT" not in header:
        raise ValueError(
            f"{path}: a MIMIC-IV-Note detail file (field_name/field_value per note) holds no note "
            "text; give discharge.csv.gz or radiology.csv.gz."
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ValueError(
            f"{path}: not a MIMIC-IV-Note CSV, the header lacks {', '.join(missing).lower()} "
            f"(found {', '.join(header).lower() or 'no header'})."
        )


def _record(
    row: dict[str, str],
    selected: tuple[str, ...],
    account: Account,
    file: str,
    line: int,
) -> DocumentRecord | None:
    doc_id, note_type = row["NOTE_ID"].strip(), row["NOTE_TYPE"].strip()
    undecoded = [name.lower() for name, value in row.items() if _UNDECODED.search(value)]
    if undecoded:
        account.document_failed(
            NOT_UTF8,
            file=file,
            line=line,
            doc_id=_UNDECODED.sub("?", doc_id),
            detail=f"column {', '.join(undecoded)} has bytes that are not UTF-8; re-encode the "
            "file, e.g. iconv -f latin1 -t utf8",
        )
        return None
    return note_class_record(
        row,
        doc_id=doc_id,
        note_class=note_type,
        raw_class=note_type,
        known=NOTE_TYPES,
        selected=selected,
        kind="note type",
        meta_columns=_META_COLUMNS,
        account=account,
        file=file,
        line=line,
    )


def _selected(categories: Sequence[str] | None) -> tuple[str, ...]:
    if not categories:
        return NOTE_TYPES
    chosen = tuple(dict.fromkeys(name.strip().upper() for name in categories))
    unknown = [name for name in chosen if name not in NOTE_TYPES]
    if unknown:
        raise ValueError(f"Unknown MIMIC-IV note types {unknown}; known: {', '.join(NOTE_TYPES)}.")
    return chosen


def open_mimic_csv(path: Path) -> TextIO:
    # newline="" lets the csv module see the line ends inside quoted text fields as they are.
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="surrogateescape", newline="")
    return path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
