"""Reader for the MTSamples transcriptions CSV (``mtsamples.csv``), as multi-label documents.

Input: a CSV with a header row and the columns ``note_id, description, medical_specialty,
sample_name, transcription, keywords`` (``medical_specialty`` and ``transcription`` required;
without ``note_id`` the row number is used). One row per (transcription, specialty): the same
text appears under two to five specialties, e.g. its clinical specialty and a document type such
as "Surgery".

Identical transcriptions (compared with surrounding whitespace stripped) become ONE document whose
``cats`` mark every specialty it was filed under (names stripped) among all the file's
specialties; the merged rows are counted. Its group is a hash of the text, so the splitter never
puts one text in both train and dev. Texts are kept whole (no trimming of long notes). Rows with an
empty transcription are excluded and reported with their line; a row holding bytes that are not
UTF-8 fails, reported with its line and column (the other rows are read).

With ``categories`` (specialty names) the classes are exclusive: a document keeps one class, the one
chosen specialty it was filed under. Documents filed under none of them are excluded and counted
(``specialty not selected``, not itemised); documents filed under several are excluded and
itemised (``several selected specialties``): an exclusive classifier cannot learn from them."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .account import Account
from .records import DocumentRecord
from .text import NOT_UTF8, REENCODE, check_columns

# Bytes that are not UTF-8 are read as lone surrogates ("surrogateescape"), which no valid text
# holds, so the rows that have them can be failed one by one.
_UNDECODED = re.compile("[\udc80-\udcff]")

REQUIRED_COLUMNS = ("medical_specialty", "transcription")


@dataclass
class _Note:
    text: str
    row: dict[str, str]
    specialties: dict[str, None] = field(default_factory=dict)  # ordered set
    note_ids: list[str] = field(default_factory=list)


def mtsamples_documents(
    path: str | Path, *, account: Account, categories: Sequence[str] | None = None
) -> Iterator[DocumentRecord]:
    """De-duplicated MTSamples notes with multi-label specialty ``cats`` (exclusive ones over
    ``categories`` when given)."""
    path = Path(path)
    notes = _read_notes(path, account)
    known = {name for note in notes.values() for name in note.specialties}
    labels = sorted(known) if not categories else _selected(categories, known, path)
    for key, note in notes.items():
        doc_id = f"mtsamples-{note.note_ids[0]}"
        chosen = [name for name in labels if name in note.specialties]
        if categories and not chosen:
            reason = "specialty not selected"
            account.document_excluded(reason, file=str(path), doc_id=doc_id, itemise=False)
            continue
        if categories and len(chosen) > 1:
            reason, detail = "several selected specialties", ", ".join(chosen)
            account.document_excluded(reason, file=str(path), doc_id=doc_id, detail=detail)
            continue
        yield DocumentRecord(
            doc_id=doc_id,
            text=note.text,
            source=str(path),
            cats={label: float(label in note.specialties) for label in labels},
            group="text-" + hashlib.sha1(key.encode("utf8")).hexdigest()[:16],
            annotates_entities=False,
            meta={
                "note_ids": ",".join(note.note_ids),
                "description": note.row.get("description", "").strip(),
                "sample_name": note.row.get("sample_name", "").strip(),
            },
        )


def _selected(categories: Sequence[str], known: set[str], path: Path) -> list[str]:
    chosen = list(dict.fromkeys(name.strip() for name in categories))
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise ValueError(
            f"{path}: no note is filed under the specialties {unknown}; known: "
            f"{', '.join(sorted(known))}."
        )
    return chosen


def _read_notes(path: Path, account: Account) -> dict[str, _Note]:
    """Rows grouped by their stripped transcription, in first-seen order (the file is small
    enough, 17 MB, to hold; grouping needs every row anyway)."""
    notes: dict[str, _Note] = {}
    file = str(path)
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.DictReader(handle)
        check_columns(path, reader.fieldnames or [], REQUIRED_COLUMNS, "an MTSamples CSV")
        last_line = reader.line_num
        for index, row in enumerate(reader, start=1):
            line, last_line = last_line + 1, reader.line_num
            note_id = (row.get("note_id") or "").strip() or str(index)
            undecoded = [name for name, value in row.items() if _UNDECODED.search(value or "")]
            if undecoded:
                account.document_failed(
                    NOT_UTF8,
                    file=file,
                    line=line,
                    doc_id=_UNDECODED.sub("?", note_id),
                    detail=f"column {', '.join(map(str, undecoded))} has bytes that are not "
                    f"UTF-8; {REENCODE}",
                )
                continue
            text = row["transcription"] or ""
            specialty = (row["medical_specialty"] or "").strip()
            if not text.strip():
                account.document_excluded(
                    "empty transcription", file=file, line=line, doc_id=note_id
                )
                continue
            if not specialty:
                account.note("empty medical_specialty", file=file, line=line, doc_id=note_id)
            key = text.strip()
            note = notes.get(key)
            if note is None:
                note = notes[key] = _Note(text, row)
            else:
                account.document_merged("identical transcription")
            note.note_ids.append(note_id)
            if specialty:
                note.specialties[specialty] = None
    return notes
