"""Reading the rows of a notes CSV so that a quoting error costs one failed row, never the rows
after it. Used by the CSV reader of notes (:mod:`.csv_notes`), which every command reads CSV
through.

Left to itself, the csv module hides two errors of hand-made or truncated exports: a quote that is
never closed on the last row is read to the end of the file as a normal field, and an unbalanced
quote in the middle makes the following rows part of one field's text, often with the right number
of fields. So this reader:

- parses with ``strict=True``: a quote inside a quoted field must be doubled, and the file must not
  end inside quotes (both are errors instead of guesses);
- checks every row's field count against the header;
- checks the lines inside a multi-line row (a note's text) for the start of another row: a line
  whose fields up to the text column each hold what that column has held in the rows read so far
  (whole numbers, other text; see :class:`_Shape`), at least two of them whole numbers
  (``ROW_ID,SUBJECT_ID`` in NOTEEVENTS), so a note's own lines with commas and numbers (``1,2,3``)
  are not mistaken for rows;
- after a malformed row, resumes at the next line that looks like the start of a row, so the rows
  after it are read as usual; the lines in between are the failed row, reported with its first and
  last line.

Lines are physical lines as the csv module counts them (``newline=""``: ``\\r\\n``, ``\\n`` and
a lone ``\\r`` each end one). Problems are described by rule and line, never with the row's text.

Limit: in a file with fewer than two numeric columns before the text (``id,text``), the start of a
row cannot be told from a line of a note, so a merge is found only by the csv module's strict errors
and the field count, and after an error a note's line such as ``3, 4 and 5 normal`` can be taken
for the row it resumes at."""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_WHOLE_NUMBER = re.compile(r"\s*[0-9]+\s*")
# What a cell holds, and what a column has held (see ``_Shape``).
_BLANK, _NUMBER, _TEXT, _MIXED = "blank", "number", "text", "mixed"
# A row start must show at least this many whole-number columns before the text to be believed
# inside a row that otherwise parsed well.
_DISTINCTIVE_NUMBERS = 2
# Longer than this, what stands in the id column of a malformed row is not shown as its id.
_MAX_ID_LENGTH = 64


@dataclass(frozen=True)
class CsvRow:
    """A well-formed row: its fields and the physical lines it spans."""

    values: list[str]
    line: int
    last_line: int


@dataclass(frozen=True)
class MalformedRow:
    """Lines that do not form a well-formed row: where, which rule was broken, and the row's id
    when its first line shows one."""

    line: int
    last_line: int
    problem: str
    row_id: str | None

    def describe(self) -> str:
        lines = (
            f"line {self.line}"
            if self.line == self.last_line
            else f"lines {self.line}-{self.last_line}"
        )
        return f"{lines}: {self.problem}"


class _Lines:
    """The input's physical lines, numbered, with the lines of the current row kept so that some can
    be put back and read again as the start of the next row."""

    def __init__(self, lines: Iterator[str], first_line: int) -> None:
        self._source = lines
        self._back: list[str] = []  # put-back lines, the next one last
        self.count = first_line - 1  # number of the last line handed out
        self.taken: list[str] = []  # lines handed out since ``start``

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._back.pop() if self._back else next(self._source)
        self.count += 1
        self.taken.append(line)
        return line

    def start(self) -> int:
        """Begin a row; the number of its first line."""
        self.taken = []
        return self.count + 1

    def put_back(self, lines: list[str]) -> None:
        self._back.extend(reversed(lines))
        self.count -= len(lines)
        del self.taken[len(self.taken) - len(lines) :]


class _Shape:
    """What the start of a row looks like, learned from the well-formed rows read so far: the id
    present, and each column before the text holding what it has always held (whole numbers, or
    other text; blank cells fit any column)."""

    def __init__(self, id_index: int | None, text_index: int) -> None:
        self.id_index = id_index
        self.text_index = text_index
        self._kinds: list[str] | None = None  # per column before the text; None until a row

    def learn(self, values: list[str]) -> None:
        self._kinds = _column_kinds(values[: self.text_index], self._kinds)

    def id_of(self, values: list[str]) -> str | None:
        """The id of a malformed row, when what stands in the id column looks like one: in a
        row that is not well-formed, that cell may hold a line of a note, which is never shown."""
        if self.id_index is None or self.id_index >= len(values):
            return None
        value = values[self.id_index].strip()
        kinds = self._kinds or []
        numeric = self.id_index < len(kinds) and kinds[self.id_index] == _NUMBER
        looks_like_id = 0 < len(value) <= _MAX_ID_LENGTH and "\n" not in value and "\r" not in value
        return value if looks_like_id and (_kind(value) == _NUMBER or not numeric) else None

    def starts_row(self, line: str, *, reference: list[str] | None, distinctive: bool) -> bool:
        """Whether ``line`` looks like the first line of a row. ``reference``: a row to take the
        shape from when none was learned yet. ``distinctive``: the line must match every column's
        kind and show at least two whole-number columns, which tells a row from a line of a note
        (see the module docstring); otherwise only columns of whole numbers must match."""
        if line.count(",") < self.text_index:  # cheap: most lines of a note stop here
            return False
        fields = next(csv.reader([line]), [])
        if len(fields) <= self.text_index:
            return False
        id_index = self.id_index
        if id_index is not None and id_index < self.text_index and not fields[id_index].strip():
            return False
        kinds = self._kinds
        if kinds is None and reference is not None:
            kinds = _column_kinds(reference[: self.text_index], None)
        numbers = 0
        for value, kind in zip(fields, kinds or [], strict=False):
            found = _kind(value)
            if found == _BLANK or kind in (_BLANK, _MIXED):
                continue
            if found != kind and (distinctive or kind == _NUMBER):
                return False
            numbers += found == _NUMBER
        return numbers >= _DISTINCTIVE_NUMBERS or not distinctive


class CsvRecords:
    """The header and then the rows of a CSV read from ``lines`` (split as a text file opened
    with ``newline=""`` splits them), each a :class:`CsvRow` or a :class:`MalformedRow`.
    ``first_line``: the number of the first line given (after a resume, the rows are read from
    the middle of the file)."""

    def __init__(self, lines: Iterable[str], *, first_line: int = 1) -> None:
        _raise_field_limit()  # a discharge summary is longer than the csv module's 128 KiB
        self._lines = _Lines(iter(lines), first_line)
        self._reader = csv.reader(self._lines, strict=True)

    def header(self) -> list[str] | None:
        """The first row; None for an empty file. Raises ``ValueError`` naming the line when it is
        not well-formed."""
        self._lines.start()
        try:
            return next(self._reader)
        except StopIteration:
            return None
        except csv.Error as error:
            raise ValueError(f"line 1: the header is not well-formed CSV: {error}") from error

    def rows(
        self, *, width: int, id_index: int | None, text_index: int
    ) -> Iterator[CsvRow | MalformedRow]:
        """Every row after the header (``id_index`` None: the file has no id column). Blank lines
        hold no row and are passed over."""
        shape = _Shape(id_index, text_index)
        while True:
            first = self._lines.start()
            try:
                values = next(self._reader)
            except StopIteration:
                return
            except csv.Error as error:
                # The parser stopped inside the row: the row may go on past the line it stopped at.
                yield self._malformed(first, shape, f"not well-formed CSV: {error}", read_on=True)
                continue
            if not values:
                continue
            if len(values) != width:
                problem = f"{len(values)} fields where the header has {width}"
                yield self._malformed(first, shape, problem, read_on=False)
                continue
            inner = self._row_start_inside(shape, values)
            if inner is not None:
                row_id = shape.id_of(values)
                self._lines.put_back(self._lines.taken[inner:])
                problem = (
                    f"line {first + inner}, inside this row's quoted text, starts like another "
                    "row (an unbalanced quote?)"
                )
                yield MalformedRow(first, first + inner - 1, problem, row_id)
                continue
            shape.learn(values)
            yield CsvRow(values, first, first + len(self._lines.taken) - 1)

    def _row_start_inside(self, shape: _Shape, values: list[str]) -> int | None:
        """The index among the row's lines of a line (not the first) that starts another row."""
        for index, line in enumerate(self._lines.taken[1:], start=1):
            if shape.starts_row(line, reference=values, distinctive=True):
                return index
        return None

    def _malformed(self, first: int, shape: _Shape, problem: str, *, read_on: bool) -> MalformedRow:
        """The failed row from ``first`` up to the next line that starts a row (put back to be read
        next). ``read_on``: the parser stopped before the row's end, so look past the lines read."""
        taken = self._lines.taken
        row_id = shape.id_of(next(csv.reader(taken[:1]), []))
        for index, line in enumerate(taken[1:], start=1):
            if shape.starts_row(line, reference=None, distinctive=False):
                self._lines.put_back(taken[index:])
                return MalformedRow(first, first + index - 1, problem, row_id)
        if read_on:
            for line in self._lines:
                if shape.starts_row(line, reference=None, distinctive=False):
                    self._lines.put_back([line])
                    break
        return MalformedRow(first, first + len(self._lines.taken) - 1, problem, row_id)


def _column_kinds(values: list[str], before: list[str] | None) -> list[str]:
    """What each column has held, after ``values``: only blanks, only whole numbers, only other
    text, or both (mixed)."""
    kinds = []
    for index, value in enumerate(values):
        seen = before[index] if before is not None else _BLANK
        now = _kind(value)
        kinds.append(now if seen in (_BLANK, now) else seen if now == _BLANK else _MIXED)
    return kinds


def _kind(value: str) -> str:
    if not value.strip():
        return _BLANK
    return _NUMBER if _WHOLE_NUMBER.fullmatch(value) else _TEXT


def _raise_field_limit() -> None:
    """Lift the csv module's 128 KiB field limit as far as this platform's C long allows."""
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 2
