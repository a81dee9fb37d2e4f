"""The records of CSV rows and JSONL lines as Spark reads them, decoded by the local readers'
encoding policy (:mod:`spacy_minialbert.notes.encoding`): undecodable bytes make a failed record
("unreadable encoding") that names the field, the byte and the character, never U+FFFD.

Spark's own readers decode with Java's charsets, which replace undecodable bytes silently. So the
engine hands these functions the bytes: CSV is parsed by Spark in ISO-8859-1 (:data:`BYTES`), which
maps each byte to the one character of the same number, so a field's bytes are its characters
encoded again (CSV syntax is ASCII, and only ASCII-compatible encodings are accepted, so parsing
is the same in any of them); JSONL is read as lines of bytes (JSON's ``\\u`` escapes rule out the
same trick). Each record is then decoded and checked in Python with the same functions as
:class:`~spacy_minialbert.notes.CsvNotes` and :class:`~spacy_minialbert.notes.JsonlNotes`, so a
record fails, or is skipped, for the same reason with the same detail on both engines.

Pure Python: called in Spark's Python workers through a UDF (see :mod:`.inputs`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

from ..notes.encoding import decode, encoding_problem
from ..notes.jsonl_notes import jsonl_item
from ..notes.noteevents import is_flagged_error
from ..notes.records import (
    EMPTY_TEXT,
    ISERROR,
    MALFORMED,
    MISSING_ID,
    MISSING_TEXT,
    InputItem,
    Note,
    check_note,
    undecodable,
)

BYTES = "ISO-8859-1"  # the charset Spark parses CSV in: one character per byte
_BOM = "\ufeff"


class SparkRecord(NamedTuple):
    """One input record as the engine's row: a note's id and text, or the reason it fails
    (``reject``, ``detail``) or is skipped (``skip``); ``source``: the file it came from."""

    id: str | None
    text: str | None
    source: str
    reject: str | None = None
    detail: str | None = None
    skip: str | None = None


def as_read(value: str | None, encoding: str) -> str:
    """A field parsed in :data:`BYTES` decoded as ``encoding`` (undecodable bytes as lone
    surrogates, see :func:`~spacy_minialbert.notes.encoding.decode`); a missing field is
    empty, as the csv module gives it."""
    return decode(value.encode(BYTES), encoding) if value else ""


def decoded_header(names: Sequence[str], encoding: str) -> list[str]:
    """The CSV header's column names as written (a UTF-8 byte-order mark dropped, as the local
    reader drops it)."""
    header = [as_read(name, encoding) for name in names]
    if header and encoding == "utf-8" and header[0].startswith(_BOM):
        header[0] = header[0][len(_BOM) :]
    return header


def to_record(item: InputItem, note_id: str | None, text: str | None) -> SparkRecord:
    """The row of ``item``, read from a record with this id and text (as decoded). A record
    that is no note only for a missing id or a missing or blank text stays a row to check: the
    worker's :func:`~spacy_minialbert.notes.records.check_note` fails it with the same reason
    and detail, as for Parquet input (and, as before, it is no duplicate's first record)."""
    if isinstance(item, Note):
        return SparkRecord(item.note_id, item.text, item.source)
    if item.outcome == "skipped":
        return SparkRecord(item.note_id, None, item.source, skip=item.reason)
    if item.reason == MISSING_ID:
        return SparkRecord(None, None, item.source)
    if item.reason in (MISSING_TEXT, EMPTY_TEXT):  # the id was checked first: it is clean
        return SparkRecord(note_id, text, item.source)
    return SparkRecord(item.note_id, None, item.source, item.reason, item.detail)


def csv_record(
    values: Sequence[str | None] | None,
    malformed: str | None,
    source: str,
    *,
    header: Sequence[str],
    id_index: int,
    text_index: int,
    flag_index: int | None,
    encoding: str,
    keep_iserror: bool,
) -> SparkRecord:
    """The record of a CSV row whose fields Spark parsed in :data:`BYTES` (``values``, in the
    header's order), by :class:`~spacy_minialbert.notes.CsvNotes`'s rules: ISERROR = 1 (the
    column at ``flag_index``) skips, then the id and text are checked, then every other
    column's bytes. ``malformed``: why Spark could not parse the row (it fails with that
    detail)."""
    fields = [as_read(value, encoding) for value in (values or [])]
    fields += [""] * (len(header) - len(fields))
    if malformed is not None:
        row_id = fields[id_index].strip()
        shown = row_id if row_id and encoding_problem("id", row_id) is None else None
        return SparkRecord(shown, None, source, MALFORMED, malformed)
    note_id = fields[id_index]
    if not keep_iserror and flag_index is not None and is_flagged_error(fields[flag_index]):
        return SparkRecord(note_id.strip() or None, None, source, skip=ISERROR)
    found: InputItem = check_note(
        note_id, fields[text_index], source, id_name=header[id_index], text_name=header[text_index]
    )
    if isinstance(found, Note):
        for name, value in zip(header, fields, strict=True):
            problem = encoding_problem(name, value)
            if problem is not None:
                found = undecodable(found.note_id, source, problem)
                break
    return to_record(found, note_id, fields[text_index])


def jsonl_record(
    line: bytes | bytearray | None,
    source: str,
    *,
    id_key: str,
    text_key: str,
    encoding: str,
    keep_iserror: bool,
) -> SparkRecord | None:
    """The record of one line of a JSONL file (its bytes, without the line end), by
    :class:`~spacy_minialbert.notes.JsonlNotes`'s rules; None for a blank line (no record)."""
    text = decode(bytes(line or b""), encoding)
    if not text.strip():
        return None
    item = jsonl_item(text, source, id_key=id_key, text_key=text_key, keep_iserror=keep_iserror)
    if isinstance(item, Note) or item.reason not in (MISSING_TEXT, EMPTY_TEXT):
        return to_record(item, None, None)
    return to_record(item, item.note_id, json.loads(text).get(text_key))  # a valid JSON object
