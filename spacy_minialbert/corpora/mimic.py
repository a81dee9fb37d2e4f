"""Converter of MIMIC-III ``NOTEEVENTS.csv`` (or ``.csv.gz``), streamed row by row through the
reader of notes (:class:`~spacy_minialbert.notes.CsvNotes`), which every command shares.

Input: a CSV with a header row and the columns ``ROW_ID, SUBJECT_ID, HADM_ID, CHARTDATE,
CHARTTIME, STORETIME, CATEGORY, DESCRIPTION, CGID, ISERROR, TEXT`` (names matched
case-insensitively; ``ROW_ID``, ``SUBJECT_ID``, ``CATEGORY``, ``ISERROR`` and ``TEXT`` required).
``TEXT`` is a quoted field holding many lines and doubled quotes, so a real CSV parser reads it,
with the field size limit raised (a discharge summary exceeds the 128 KiB default). The file is
never loaded whole: about 2.08 million rows, several GB.

Each row is one document: ``doc_id`` the ROW_ID, ``group`` the SUBJECT_ID (so no patient is in two
splits), ``cats`` one exclusive class per known CATEGORY (trailing spaces stripped: "Physician "
is "Physician"), the other columns kept in ``meta``. Rows are excluded, each reported with its
line, when ISERROR is 1 (a note flagged as an error; kept with ``keep_iserror=True``), the
category is not one of the 15, or the TEXT is empty. A row that is not well-formed CSV (a quote
left open, an undoubled quote, the wrong number of fields, a quoted TEXT that runs into the next
rows) is a failed document (``malformed row``, with its lines), which a strict conversion refuses;
reading resumes at the next row, so no row disappears into another. So is a row with bytes that
are not UTF-8 (``not UTF-8``, naming the column, byte and character) or without a ROW_ID
(``missing id``). With ``categories`` only those classes are kept; rows of other categories are
counted, not itemised."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from ..notes.csv_notes import CsvNotes, read_header
from ..notes.records import BAD_ENCODING, EMPTY_TEXT, MALFORMED, InputItem, Rejected
from .account import Account
from .records import DocumentRecord
from .text import NOT_UTF8, REENCODE, check_columns

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
    keep_iserror: bool = False,
    categories: Sequence[str] | None = None,
) -> Iterator[DocumentRecord]:
    """Notes of a NOTEEVENTS CSV, streamed, as documents with their category as text class."""
    path = Path(path)
    selected = selected_classes(
        (name.strip() for name in categories or ()), NOTE_CATEGORIES, "NOTEEVENTS categories"
    )
    header = [name.strip().upper() for name in read_header(path)]
    check_columns(path, header, REQUIRED_COLUMNS, "a NOTEEVENTS CSV")
    yield from note_class_documents(
        CsvNotes(path, keep_iserror=keep_iserror).items(),
        classes=lambda fields: (fields["CATEGORY"].strip(), fields["CATEGORY"]),
        known=NOTE_CATEGORIES,
        selected=selected,
        kind="category",
        meta_columns=_META_COLUMNS,
        account=account,
        file=str(path),
    )


def account_rejected(account: Account, rejected: Rejected, file: str) -> None:
    """Put a record the reader of notes rejected into the account, in the converters' words:
    a skipped record (ISERROR) is an excluded document, a failed one a failed document."""
    where = rejected.line
    if rejected.outcome == "skipped":
        account.document_excluded(
            rejected.reason, file=file, line=where, doc_id=rejected.note_id, detail=rejected.detail
        )
        return
    reason, detail = rejected.reason, rejected.detail
    if reason == MALFORMED:
        reason = MALFORMED_ROW
    elif reason == BAD_ENCODING and rejected.problem is not None:
        problem = rejected.problem
        reason = NOT_UTF8
        detail = f"column {problem.field} has bytes that are not UTF-8 ({problem.at()}); {REENCODE}"
    account.document_failed(reason, file=file, line=where, doc_id=rejected.note_id, detail=detail)


def note_class_documents(
    items: Iterable[InputItem],
    *,
    classes: Callable[[Mapping[str, str]], tuple[str, str]],
    known: tuple[str, ...],
    selected: tuple[str, ...],
    kind: str,
    meta_columns: tuple[str, ...],
    account: Account,
    file: str,
) -> Iterator[DocumentRecord]:
    """The notes of a MIMIC reader (III's NOTEEVENTS or IV-Note) as documents labelled with
    their class (the ``kind``: a category, a note type), which ``classes`` takes from a row's
    fields (the class, and the class as written). A record the reader rejected goes to the
    account (:func:`account_rejected`); so does a note left out: a class not in ``known``, not
    ``selected``, or an empty text (the class is looked at first, so a deliberately filtered note
    is counted as filtered)."""
    for item in items:
        if isinstance(item, Rejected) and item.reason != EMPTY_TEXT:
            account_rejected(account, item, file)
            continue
        note_class, raw_class = classes(item.fields)
        line, doc_id = item.line, item.note_id
        if note_class not in known:
            account.document_excluded(
                f"unknown {kind}", file=file, line=line, doc_id=doc_id, detail=repr(raw_class)
            )
            continue
        if note_class not in selected:
            account.document_excluded(
                f"{kind} not selected", file=file, line=line, doc_id=doc_id, itemise=False
            )
            continue
        if isinstance(item, Rejected):
            account.document_excluded(item.reason, file=file, line=line, doc_id=doc_id)
            continue
        meta = {name.lower(): item.fields[name] for name in meta_columns if name in item.fields}
        meta["line"] = str(line)
        yield DocumentRecord(
            doc_id=item.note_id,
            text=item.text,
            source=file,
            cats={name: float(name == note_class) for name in selected},
            group=item.fields["SUBJECT_ID"].strip(),
            meta=meta,
            annotates_entities=False,
        )


def selected_classes(names: Iterable[str], known: tuple[str, ...], what: str) -> tuple[str, ...]:
    """``names`` in order, each once, all of them ``known`` (else a ValueError naming ``what``
    they are); ``known`` itself when there are none."""
    chosen = tuple(dict.fromkeys(names))
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise ValueError(f"Unknown {what} {unknown}; known: {', '.join(known)}.")
    return chosen or known
