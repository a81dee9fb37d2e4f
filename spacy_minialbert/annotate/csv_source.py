"""Notes from a CSV export such as MIMIC-III ``NOTEEVENTS.csv`` (or ``.csv.gz``), streamed.

The header row names the columns; the id and text columns are configurable (defaults ``ROW_ID``
and ``TEXT``, matched case-insensitively). Text fields hold many lines, commas and doubled quotes,
so the csv module parses them, with its 128 KiB field limit lifted (a discharge summary exceeds
it). A row whose ``ISERROR`` column (if there is one) is 1 was flagged by a physician as an
error: skipped and counted. Each record's source is ``file:line`` with the line its row starts on.
Blank lines between rows hold no record and are passed over.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..noteevents import ISERROR_COLUMN, is_flagged_error, raise_csv_field_limit
from .counting import CountedFile
from .notes import ISERROR, MALFORMED, InputItem, Rejected, check_note

DEFAULT_ID_COLUMN = "ROW_ID"
DEFAULT_TEXT_COLUMN = "TEXT"


class CsvNotes:
    """A NOTEEVENTS-style CSV as a :class:`~.notes.NoteSource`."""

    unit = "B"

    def __init__(
        self,
        path: Path,
        *,
        id_column: str | None = None,
        text_column: str | None = None,
        encoding: str = "utf-8",
        keep_iserror: bool = False,
    ) -> None:
        self.path = str(path)
        self._path = path
        self.id_column = (id_column or DEFAULT_ID_COLUMN).strip().upper()
        self.text_column = (text_column or DEFAULT_TEXT_COLUMN).strip().upper()
        self.encoding = encoding
        self.keep_iserror = keep_iserror
        self.total: int | None = path.stat().st_size
        self._file: CountedFile | None = None
        self._width = 0
        # Check the columns now, before the run creates any output.
        self._columns(self._header())

    def _header(self) -> list[str] | None:
        raise_csv_field_limit()
        file = CountedFile(self._path)
        try:
            return next(csv.reader(file.text(self._text_encoding())), None)
        finally:
            file.close()

    def _text_encoding(self) -> str:
        # "utf-8-sig": a byte-order mark from a spreadsheet export is not part of a column name.
        utf8 = self.encoding.replace("_", "-").lower() in ("utf-8", "utf8")
        return "utf-8-sig" if utf8 else self.encoding

    def position(self) -> int:
        return self._file.position() if self._file is not None else 0

    def items(self) -> Iterator[InputItem]:
        raise_csv_field_limit()
        self._file = CountedFile(self._path)
        try:
            reader = csv.reader(self._file.text(self._text_encoding()))
            columns = self._columns(next(reader, None))
            yield from self._rows(reader, columns)
        finally:
            self._file.close()

    def _columns(self, header: list[str] | None) -> dict[str, int]:
        names = [name.strip().upper() for name in header or []]
        missing = [name for name in (self.id_column, self.text_column) if name not in names]
        if missing:
            raise ValueError(
                f"{self.path}: the header has no column {' or '.join(missing)} (found: "
                f"{', '.join(names) or 'no header'}); choose columns with --id-column and "
                "--text-column."
            )
        self._width = len(names)
        return {name: index for index, name in enumerate(names)}

    def _rows(self, reader: Any, columns: dict[str, int]) -> Iterator[InputItem]:
        # reader: a csv reader (its type is private to the csv module).
        width = self._width
        last_line = reader.line_num
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                if reader.line_num == last_line:  # the parser cannot move past this point
                    raise ValueError(f"{self.path}:{last_line + 1}: {error}") from error
                line, last_line = last_line + 1, reader.line_num
                yield Rejected(None, f"{self.path}:{line}", "failed", MALFORMED, str(error))
                continue
            line, last_line = last_line + 1, reader.line_num
            if not values:  # a blank line holds no record
                continue
            source = f"{self.path}:{line}"
            if len(values) != width:
                note_id = self._value(values, columns, self.id_column)
                yield Rejected(
                    note_id, source, "failed", MALFORMED,
                    f"{len(values)} fields where the header has {width}",
                )  # fmt: skip
                continue
            note_id = values[columns[self.id_column]]
            if not self.keep_iserror and self._flagged(values, columns):
                yield Rejected(note_id.strip() or None, source, "skipped", ISERROR)
                continue
            yield check_note(note_id, values[columns[self.text_column]], source)

    @staticmethod
    def _flagged(values: list[str], columns: dict[str, int]) -> bool:
        index = columns.get(ISERROR_COLUMN)
        return index is not None and index < len(values) and is_flagged_error(values[index])

    @staticmethod
    def _value(values: list[str], columns: dict[str, int], name: str) -> str | None:
        index = columns[name]
        return values[index].strip() or None if index < len(values) else None
