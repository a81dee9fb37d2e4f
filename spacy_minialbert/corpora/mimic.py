"""Reader for MIMIC-III ``NOTEEVENTS.csv`` (or ``.csv.gz``), streamed row by row.

Input: a CSV with a header row and the columns ``ROW_ID, SUBJECT_ID, HADM_ID, CHARTDATE,
CHARTTIME, STORETIME, CATEGORY, DESCRIPTION, CGID, ISERROR, TEXT`` (names matched
case-insensitively; ``ROW_ID``, ``SUBJECT_ID``, ``CATEGORY``, ``ISERROR`` and ``TEXT`` required).
``TEXT`` is a quoted field holding many lines and doubled quotes, so a real CSV parser reads it,
with the field size limit raised (a discharge summary exceeds the 128 KiB default). The file is
never loaded whole: about 2.08 million rows, several GB.

Each row is one document: ``doc_id`` the ROW_ID, ``group`` the SUBJECT_ID (so no patient is in two
splits), ``cats`` one exclusive class per known CATEGORY (trailing spaces stripped: "Physician "
is "Physician"), the other columns kept in ``meta``. Rows are excluded, each reported with its
line, when ISERROR is 1 (a note flagged as an error; kept with ``include_errors=True``), the
category is not one of the 15, or the TEXT is empty. A row that is not well-formed CSV (a quote
left open, an undoubled quote, the wrong number of fields, a quoted TEXT that runs into the next
rows) is a failed document (``malformed row``, with its lines), which a strict conversion refuses;
reading resumes at the next row, so no row disappears into another. With ``categories`` only those
classes are kept; rows of other categories are counted, not itemised."""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from ..csv_records import CsvRecords, MalformedRow
from ..noteevents import is_flagged_error
from .account import Account
from .records import DocumentRecord

NOTE_CATEGORIES = (
    "Nursing/other",
    "Radiology",
    "Nursing",
    "ECG",
    "Physician",
    "Discharge summary",
    "Echo",
    "Respiratory",
    "Nutrition",
    "General",
    "Rehab Services",
    "Social Work",
    "Case Management",
    "Pharmacy",
    "Consult",
)
REQUIRED_COLUMNS = ("ROW_ID", "SUBJECT_ID", "CATEGORY", "ISERROR", "TEXT")
# A row that is not well-formed CSV (see :mod:`..csv_records`): not a deliberate filter but lost
# input, so a failed document (a strict conversion fails on it).
MALFORMED_ROW = "malformed row"
_META_COLUMNS = ("HADM_ID", "CHARTDATE", "CHARTTIME", "STORETIME", "DESCRIPTION", "CGID")


def mimic_noteevents_documents(
    path: str | Path,
    *,
    account: Account,
    include_errors: bool = False,
    categories: Sequence[str] | None = None,
) -> Iterator[DocumentRecord]:
    """Notes of a NOTEEVENTS CSV, streamed, as documents with their category as text class."""
    path = Path(path)
    selected = _selected(categories)
    file = str(path)
    with _open(path) as handle:
        records = CsvRecords(handle)
        try:
            header = [name.strip().upper() for name in records.header() or []]
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from error
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise ValueError(
                f"{path}: not a NOTEEVENTS CSV, the header lacks {', '.join(missing)} "
                f"(found {', '.join(header) or 'no header'})."
            )
        column = {name: index for index, name in enumerate(header)}
        rows = records.rows(width=len(header), id_index=column["ROW_ID"], text_index=column["TEXT"])
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
            record = _record(row, selected, include_errors, account, file, found.line)
            if record is not None:
                yield record


def _record(
    row: dict[str, str],
    selected: tuple[str, ...],
    include_errors: bool,
    account: Account,
    file: str,
    line: int,
) -> DocumentRecord | None:
    doc_id, category = row["ROW_ID"].strip(), row["CATEGORY"].strip()
    if is_flagged_error(row["ISERROR"]) and not include_errors:
        account.document_excluded("ISERROR=1", file=file, line=line, doc_id=doc_id)
        return None
    return note_class_record(
        row,
        doc_id=doc_id,
        note_class=category,
        raw_class=row["CATEGORY"],
        known=NOTE_CATEGORIES,
        selected=selected,
        kind="category",
        meta_columns=_META_COLUMNS,
        account=account,
        file=file,
        line=line,
    )


def note_class_record(
    row: dict[str, str],
    *,
    doc_id: str,
    note_class: str,
    raw_class: str,
    known: tuple[str, ...],
    selected: tuple[str, ...],
    kind: str,
    meta_columns: tuple[str, ...],
    account: Account,
    file: str,
    line: int,
) -> DocumentRecord | None:
    """A MIMIC note (III's NOTEEVENTS or IV-Note) as a document labelled with its class (the
    ``kind``: a category, a note type), or None once the account says why it is left out: a
    class not in ``known``, not ``selected``, or an empty text."""
    if note_class not in known:
        account.document_excluded(
            f"unknown {kind}", file=file, line=line, doc_id=doc_id, detail=repr(raw_class)
        )
        return None
    if note_class not in selected:
        account.document_excluded(
            f"{kind} not selected", file=file, line=line, doc_id=doc_id, itemise=False
        )
        return None
    if not row["TEXT"].strip():
        account.document_excluded("empty text", file=file, line=line, doc_id=doc_id)
        return None
    meta = {name.lower(): row[name] for name in meta_columns if name in row}
    meta["line"] = str(line)
    return DocumentRecord(
        doc_id=doc_id,
        text=row["TEXT"],
        source=file,
        cats={name: float(name == note_class) for name in selected},
        group=row["SUBJECT_ID"].strip(),
        meta=meta,
        annotates_entities=False,
    )


def _selected(categories: Sequence[str] | None) -> tuple[str, ...]:
    if not categories:
        return NOTE_CATEGORIES
    chosen = tuple(dict.fromkeys(name.strip() for name in categories))
    unknown = [name for name in chosen if name not in NOTE_CATEGORIES]
    if unknown:
        raise ValueError(
            f"Unknown NOTEEVENTS categories {unknown}; known: {', '.join(NOTE_CATEGORIES)}."
        )
    return chosen


def _open(path: Path) -> TextIO:
    # newline="" lets the csv module see the line ends inside quoted TEXT fields as they are.
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")
