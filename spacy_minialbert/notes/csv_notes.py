"""Notes from a CSV such as MIMIC-III ``NOTEEVENTS.csv`` (or ``.csv.gz``), streamed.

The header row names the columns; the id and text columns are options (defaults ``ROW_ID`` and
``TEXT``, matched case-insensitively). Text fields hold many lines, commas and doubled quotes, so
the csv module parses them (through :mod:`.csv_records`, with its 128 KiB field limit lifted: a
discharge summary exceeds it). A row that is not well-formed CSV (a quote left open, an undoubled
quote inside a quoted field, the wrong number of fields, a quoted text that runs into the next
rows) is a failed record (``malformed record``) naming its lines; reading resumes at the next row,
so no row disappears into another. A row whose ``ISERROR`` column (if there is one) is 1 was
flagged by a physician as an error: skipped and counted, unless ``keep_iserror``. A row holding
bytes that are not valid in the encoding, in any column, fails (``unreadable encoding``, naming
the column, the byte and the character). Each record's source is ``file:line`` with the line its
row starts on; a note keeps the row's other columns in ``fields``. Blank lines between rows hold
no record and are passed over.

``items(start)`` resumes at a byte offset a record's ``end`` gave: the header is read from the
start of the file, then reading goes on from ``start``."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from .csv_records import CsvRecords, CsvRow, MalformedRow
from .encoding import DEFAULT_ENCODING, checked_encoding, encoding_problem
from .lines import Line, LineFile, StreamedFile
from .noteevents import ISERROR_COLUMN, is_flagged_error
from .records import ISERROR, MALFORMED, InputItem, Note, Rejected, check_note, undecodable

COLUMN_HINT = "choose columns with --id-column and --text-column."


class MissingColumns(ValueError):
    """The header lacks a column the reader needs."""

    def __init__(self, path: Path, missing: Sequence[str], found: Sequence[str]):
        self.missing = list(missing)
        self.found = list(found)
        super().__init__(
            f"{path}: the header has no column {' or '.join(missing)} (found: "
            f"{', '.join(found) or 'no header'}); {COLUMN_HINT}"
        )


def read_header(path: Path, encoding: str = DEFAULT_ENCODING) -> list[str]:
    """The column names of the CSV at ``path`` as written (empty for an empty file); ValueError
    naming the file when the header is not well-formed."""
    with LineFile(path, checked_encoding(encoding), lone_cr_ends_line=True) as file:
        try:
            return CsvRecords(file.texts()).header() or []
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from error


class CsvNotes(StreamedFile):
    """A CSV of notes as a :class:`~.records.NoteSource`. ``require_id=False``: a row without an
    id (or a file without the id column) takes its line number as id, for readers that need only
    the text (distillation)."""

    default_id_column = "ROW_ID"
    default_text_column = "TEXT"

    def __init__(
        self,
        path: Path,
        *,
        id_column: str | None = None,
        text_column: str | None = None,
        encoding: str = DEFAULT_ENCODING,
        keep_iserror: bool = False,
        require_id: bool = True,
    ) -> None:
        super().__init__(path, encoding=encoding)
        self.id_column = (id_column or self.default_id_column).strip().upper()
        self.text_column = (text_column or self.default_text_column).strip().upper()
        self.keep_iserror = keep_iserror
        self.require_id = require_id
        # Check the columns now, before a run creates any output.
        self.header = read_header(path, self.encoding)
        self._check_header(self.header)
        names = [name.strip().upper() for name in self.header]
        wanted = [self.id_column] if require_id else []
        missing = [name for name in [*wanted, self.text_column] if name not in names]
        if missing:
            raise MissingColumns(path, missing, names)
        self._columns = {name: index for index, name in enumerate(names)}

    def _check_header(self, header: list[str]) -> None:
        """A subclass refuses a file by its header here, before the columns are looked for."""

    def items(self, start: int = 0) -> Iterator[InputItem]:
        """Every record from byte offset ``start`` (0, or a record's ``end``) on."""
        with self._open(start, lone_cr_ends_line=True) as file:
            lines: deque[Line] = deque()
            records = CsvRecords(file.texts(lines), first_line=file.number)
            if start == 0:
                records.header()
            rows = records.rows(
                width=len(self._columns),
                id_index=self._columns.get(self.id_column),
                text_index=self._columns[self.text_column],
            )
            for row in rows:
                while lines[0].number < row.line:
                    lines.popleft()
                first = lines[0]
                while lines[0].number < row.last_line:
                    lines.popleft()
                yield self._item(row, first.start, lines[0].end)

    def _item(self, row: CsvRow | MalformedRow, start: int, end: int) -> InputItem:
        source, line = f"{self.path}:{row.line}", row.line
        if isinstance(row, MalformedRow):
            malformed = Rejected(row.row_id, source, "failed", MALFORMED, row.describe())
            return replace(malformed, line=line, start=start, end=end)
        values, columns = row.values, self._columns
        text_index = columns[self.text_column]
        fields = {name: values[index] for name, index in columns.items() if index != text_index}
        id_index = columns.get(self.id_column)
        note_id = values[id_index] if id_index is not None else ""
        if not self.require_id and not note_id.strip():
            note_id = str(row.line)
        flag = columns.get(ISERROR_COLUMN)
        if not self.keep_iserror and flag is not None and is_flagged_error(values[flag]):
            skipped = Rejected(note_id.strip() or None, source, "skipped", ISERROR)
            return replace(skipped, fields=fields, line=line, start=start, end=end)
        id_name = self.header[id_index] if id_index is not None else "id"
        found = check_note(
            note_id, values[text_index], source, id_name=id_name, text_name=self.header[text_index]
        )
        # A note's other columns must decode too (the first bad one is named).
        problems = map(encoding_problem, self.header, values)
        problem = next(filter(None, problems), None) if isinstance(found, Note) else None
        if problem is not None:
            found = undecodable(found.note_id, source, problem)
        return replace(found, fields=fields, line=line, start=start, end=end)
