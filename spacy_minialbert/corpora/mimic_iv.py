"""Converter of MIMIC-IV-Note (``discharge.csv.gz``, ``radiology.csv.gz``), streamed row by row
through the reader of notes (:class:`~spacy_minialbert.notes.mimic_iv.MimicIvNotes`).

Input: a CSV (plain or gzip) with a header row and the columns ``note_id, subject_id, hadm_id,
note_type, note_seq, charttime, storetime, text`` (names matched case-insensitively; ``note_id``,
``subject_id``, ``note_type`` and ``text`` required). ``text`` is a quoted field holding many
lines and doubled quotes; a quoting error costs one failed row (``malformed row``), never the rows
after it. Every redaction is written ``___``; the clinical
tokenizer keeps it one token and the text is kept exactly, so offsets stay offsets into it.

Each row is one document: ``doc_id`` the ``note_id`` (``10000032-DS-21``), ``group`` the
``subject_id`` (so no patient is in two splits), ``cats`` one exclusive class per ``note_type``
(``DS`` discharge summary, ``RR`` radiology report, ``AR`` radiology addendum), the other
columns kept in ``meta`` (``hadm_id`` is empty for notes outside a hospital stay, such as many
radiology reports). Rows are excluded, each reported with its line, when the note type is not one
of these or the text is empty; a row with bytes that are not UTF-8 is a failed document (``not
UTF-8``, naming the column, byte and character), and the rows after it are read as usual. With
``categories`` only those types are kept; rows of other types are counted, not itemised.

The detail files (``discharge_detail.csv.gz``, ``radiology_detail.csv.gz``: ``note_id,
subject_id, field_name, field_value, field_ordinal``) hold no text; given one, the reader says so.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from ..notes.csv_notes import read_header
from ..notes.mimic_iv import MimicIvNotes, check_not_detail
from .account import Account
from .mimic import note_class_documents, selected_classes
from .records import DocumentRecord
from .text import check_columns

NOTE_TYPES = ("DS", "RR", "AR")
REQUIRED_COLUMNS = ("NOTE_ID", "SUBJECT_ID", "NOTE_TYPE", "TEXT")
_META_COLUMNS = ("HADM_ID", "NOTE_SEQ", "CHARTTIME", "STORETIME")


def mimic_iv_note_documents(
    path: str | Path,
    *,
    account: Account,
    categories: Sequence[str] | None = None,
) -> Iterator[DocumentRecord]:
    """Notes of a MIMIC-IV-Note CSV, streamed, as documents with their note type as text class."""
    path = Path(path)
    selected = selected_classes(
        (name.strip().upper() for name in categories or ()), NOTE_TYPES, "MIMIC-IV note types"
    )
    header = [name.strip().upper() for name in read_header(path)]
    check_not_detail(path, header)
    lower = [name.lower() for name in header]
    required = [name.lower() for name in REQUIRED_COLUMNS]
    check_columns(path, lower, required, "a MIMIC-IV-Note CSV")
    yield from note_class_documents(
        MimicIvNotes(path).items(),
        classes=lambda fields: (fields["NOTE_TYPE"].strip(), fields["NOTE_TYPE"].strip()),
        known=NOTE_TYPES,
        selected=selected,
        kind="note type",
        meta_columns=_META_COLUMNS,
        account=account,
        file=str(path),
    )
