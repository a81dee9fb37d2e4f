"""Notes from a CSV export such as MIMIC-III ``NOTEEVENTS.csv`` (or ``.csv.gz``), streamed.

The header row names the columns; the id and text columns are configurable (defaults ``ROW_ID``
and ``TEXT``, matched case-insensitively). Text fields hold many lines, commas and doubled quotes,
so the csv module parses them (through :mod:`..csv_records`), with its 128 KiB field limit lifted (a
discharge summary exceeds it). A row that is not well-formed CSV (a quote left open, an undoubled
quote inside a quoted field, the wrong number of fields, a quoted text that runs into the next
rows) is a failed record (``malformed record``) naming its lines; reading resumes at the next row,
so no row disappears into another. A row whose ``ISERROR`` column (if there is one) is 1 was
flagged by a physician as an error: skipped and counted. Each record's source is ``file:line`` with
the line its row starts on. Blank lines between rows hold no record and are passed over.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..csv_records import CsvRecords, MalformedRow
from ..noteevents import ISERROR_COLUMN, is_flagged_error
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
        file = CountedFile(self._path)
        try:
            return self._read_header(CsvRecords(file.text(self._text_encoding())))
        finally:
            file.close()

    def _read_header(self, records: CsvRecords) -> list[str] | None:
        try:
            return records.header()
        except ValueError as error:
            raise ValueError(f"{self.path}: {error}") from error

    def _text_encoding(self) -> str:
        # "utf-8-sig": a byte-order mark from a spreadsheet export is not part of a column name.
        utf8 = self.encoding.replace("_", "-").lower() in ("utf-8", "utf8")
        return "utf-8-sig" if utf8 else self.encoding

    def position(self) -> int:
        return self._file.position() if self._file is not None else 0

    def items(self) -> Iterator[InputItem]:
        self._file = CountedFile(self._path)
        try:
            records = CsvRecords(self._file.text(self._text_encoding()))
            columns = self._columns(self._read_header(records))
            yield from self._rows(records, columns)
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

    def _rows(self, records: CsvRecords, columns: dict[str, int]) -> Iterator[InputItem]:
        rows = records.rows(
            width=self._width,
            id_index=columns[self.id_column],
            text_index=columns[self.text_column],
        )
        for row in rows:
            source = f"{self.path}:{row.line}"
            if isinstance(row, MalformedRow):
                yield Rejected(row.row_id, source, "failed", MALFORMED, row.describe())
                continue
            values = row.values
            note_id = values[columns[self.id_column]]
            if not self.keep_iserror and self._flagged(values, columns):
                yield Rejected(note_id.strip() or None, source, "skipped", ISERROR)
                continue
            yield check_note(note_id, values[columns[self.text_column]], source)

    @staticmethod
    def _flagged(values: list[str], columns: dict[str, int]) -> bool:
        index = columns.get(ISERROR_COLUMN)
        return index is not None and index < len(values) and is_flagged_error(values[index])
