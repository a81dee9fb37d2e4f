"""Notes from a plain text file (``.txt``, ``.text``, optionally ``.gz``) holding several
documents separated by one or more blank lines, the layout distillation corpora use. A document's
own line breaks are kept; the whitespace around it is not part of it. Its id is the number of the
line it starts on and its source ``file:line``. A document holding bytes that are not valid in the
encoding fails (``unreadable encoding``).

A document ends after the blank line that follows it (or after its last line at the end of the
file): ``items(start)`` resumes at that offset, a record's ``end``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from .lines import Line, StreamedFile
from .records import InputItem, check_note


class TextNotes(StreamedFile):
    """A blank-line separated text file as a :class:`~.records.NoteSource`."""

    def items(self, start: int = 0) -> Iterator[InputItem]:
        """Every document from byte offset ``start`` (0, or a record's ``end``) on."""
        with self._open(start) as file:
            lines: list[Line] = []
            for line in file:
                if line.text.strip():
                    lines.append(line)
                elif lines:
                    # The blank line belongs to the document before it: resume after it.
                    yield self._item(lines, line.end)
                    lines = []
            if lines:
                yield self._item(lines, lines[-1].end)

    def _item(self, lines: list[Line], end: int) -> InputItem:
        first = lines[0]
        source = f"{self.path}:{first.number}"
        found = check_note(str(first.number), "".join(line.text for line in lines).strip(), source)
        return replace(found, line=first.number, start=first.start, end=end)
