"""Documents from plain text, JSONL, MIMIC-III NOTEEVENTS and MIMIC-IV-Note files, streamed with
resumable positions.

Every reader works on the raw bytes and reports, after each document, the byte offset where the
next one starts. A checkpoint stores that offset, so a resumed run seeks straight back instead of
re-reading a multi-GB file. ``.gz`` files are read through ``gzip`` (offsets then count
uncompressed bytes).

Text is UTF-8. A document holding bytes that are not is skipped and reported (a warning naming
the file, the byte offset where the document ends and the byte), never altered: replacing the
bytes would train the student on text no note contains. ``DocumentSource.undecodable`` counts
them; skipped documents take no place in the document index, so every process skips the same.
"""

from __future__ import annotations

import csv
import glob
import gzip
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from ..noteevents import ISERROR_COLUMN, is_flagged_error, raise_csv_field_limit

FORMAT_BY_SUFFIX = {
    ".txt": "text",
    ".text": "text",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "mimic",
}
# MIMIC-IV-Note's files, recognised by name (``discharge.csv.gz``): the text is in ``text``.
MIMIC_IV_NOTE_FILES = ("discharge", "radiology")
MIMIC_IV_TEXT_COLUMN = "text"


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourcePosition:
    """Where reading resumes: the file, the byte offset in it, and how many documents came
    before (the global document index, which decides each process's shard)."""

    file_index: int = 0
    offset: int = 0
    documents: int = 0


@dataclass(frozen=True)
class InputFile:
    path: Path
    format: str


def expand_paths(patterns: Sequence[str], data_format: str = "auto") -> list[InputFile]:
    """Paths and globs (``**`` allowed) to files, in a fixed order: patterns as given, each
    glob's matches sorted, duplicates dropped. Each file gets its reader format."""
    files: list[InputFile] = []
    seen: set[Path] = set()
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True))
            matches = [p for p in matches if p.is_file()]
            if not matches:
                raise FileNotFoundError(f"No input files match '{pattern}' (data.paths).")
        else:
            path = Path(pattern)
            if path.is_dir():
                raise IsADirectoryError(
                    f"{path} is a directory; name its files with a glob such as '{path}/*.txt'."
                )
            if not path.is_file():
                raise FileNotFoundError(f"No input file at {path} (data.paths).")
            matches = [path]
        for path in matches:
            if path not in seen:
                seen.add(path)
                files.append(InputFile(path, _format_of(path, data_format)))
    return files


def _format_of(path: Path, data_format: str) -> str:
    if data_format != "auto":
        return data_format
    if path.name.lower().removesuffix(".gz").removesuffix(".csv") in MIMIC_IV_NOTE_FILES:
        return "mimic-iv"
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    found = FORMAT_BY_SUFFIX.get(suffixes[-1] if suffixes else "")
    if found is None:
        raise ValueError(
            f"Cannot tell the format of {path} from its name; set data.format to 'text', "
            "'jsonl', 'mimic' or 'mimic-iv'."
        )
    return found


class DocumentSource:
    """Iterates the documents of several files in order, from any saved position."""

    def __init__(
        self,
        files: Sequence[InputFile],
        text_field: str = "text",
        csv_text_column: str = "TEXT",
        skip_error_rows: bool = True,
    ) -> None:
        if not files:
            raise ValueError("No input files.")
        self.files = list(files)
        self.text_field = text_field
        self.csv_text_column = csv_text_column
        self.skip_error_rows = skip_error_rows
        self.undecodable = 0  # documents skipped for bytes that are not UTF-8

    def documents(self, start: SourcePosition) -> Iterator[tuple[str, SourcePosition]]:
        """Yield each document's text with the position just after it."""
        documents = start.documents
        for file_index in range(start.file_index, len(self.files)):
            item = self.files[file_index]
            offset = start.offset if file_index == start.file_index else 0
            for text, after in self._read(item, offset):
                problem = undecodable(text)
                if problem is not None:
                    self.undecodable += 1
                    logger.warning(
                        "%s: the document ending at byte %d is skipped: %s is not UTF-8.",
                        item.path, after, problem,
                    )  # fmt: skip
                    continue
                documents += 1
                yield text, SourcePosition(file_index, after, documents)

    def _read(self, item: InputFile, offset: int) -> Iterator[tuple[str, int]]:
        if item.format == "text":
            return read_text(item.path, offset)
        if item.format == "jsonl":
            return read_jsonl(item.path, offset, self.text_field)
        if item.format == "mimic-iv":
            return read_mimic(item.path, offset, MIMIC_IV_TEXT_COLUMN, skip_error_rows=False)
        return read_mimic(item.path, offset, self.csv_text_column, self.skip_error_rows)


def _open(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def undecodable(text: str) -> str | None:
    """What in ``text`` stands for a byte that was not UTF-8 (``surrogateescape`` maps byte
    ``b`` to ``U+DC00 + b``), e.g. ``byte 0xff at character 18``; None when the text is clean."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(text[error.start])
        what = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
        return f"{what} at character {error.start}"
    return None


def _lines(handle: IO[bytes], offset: int) -> Iterator[tuple[str, int]]:
    """Decoded lines (newline kept) with the byte offset just after each; a byte that is not
    UTF-8 is kept as a lone surrogate, for :func:`undecodable` to find."""
    handle.seek(offset)
    while True:
        raw = handle.readline()
        if not raw:
            return
        offset += len(raw)
        yield raw.decode("utf-8", errors="surrogateescape"), offset


def read_text(path: Path, offset: int = 0) -> Iterator[tuple[str, int]]:
    """Plain text: documents are separated by one or more blank lines; a document's own line
    breaks are kept."""
    with _open(path) as handle:
        lines: list[str] = []
        end = offset
        for line, after in _lines(handle, offset):
            if line.strip():
                lines.append(line)
                end = after
            elif lines:
                # The blank line belongs to the document before it: resume after it.
                yield "".join(lines).strip(), after
                lines = []
        if lines:
            yield "".join(lines).strip(), end


def read_jsonl(path: Path, offset: int = 0, field: str = "text") -> Iterator[tuple[str, int]]:
    """One JSON object per line with the text under ``field`` (other keys, e.g. ``id``, are
    ignored); blank lines are skipped."""
    with _open(path) as handle:
        start = offset
        for line, after in _lines(handle, offset):
            if line.strip():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise ValueError(
                        f"{path}: the line at byte {start} is not valid JSON ({error})."
                    ) from error
                text = record.get(field) if isinstance(record, dict) else None
                if not isinstance(text, str):
                    raise ValueError(
                        f"{path}: the line at byte {start} has no string field '{field}' "
                        "(data.text_field)."
                    )
                if text.strip():
                    yield text, after
            start = after


def read_mimic(
    path: Path, offset: int = 0, text_column: str = "TEXT", skip_error_rows: bool = True
) -> Iterator[tuple[str, int]]:
    """A MIMIC-III NOTEEVENTS CSV (or any CSV with a header): the ``text_column`` of each row;
    rows with ``ISERROR`` = 1 (notes a physician flagged as wrong) are skipped."""
    raise_csv_field_limit()
    with _open(path) as handle:
        position = [0]

        def tracked(start: int) -> Iterator[str]:
            # csv asks for a line only when it needs one, so after each row `position` is the
            # offset just past that row, even for quoted fields spanning many lines.
            for line, after in _lines(handle, start):
                position[0] = after
                yield line

        header = next(csv.reader(tracked(0)), None)
        if header is None:
            return
        columns = {name.strip().upper(): index for index, name in enumerate(header)}
        text_index = columns.get(text_column.strip().upper())
        if text_index is None:
            raise ValueError(
                f"{path} has no column '{text_column}' (data.csv_text_column); its columns: "
                f"{', '.join(header)}."
            )
        error_index = columns.get(ISERROR_COLUMN) if skip_error_rows else None
        for row in csv.reader(tracked(max(offset, position[0]))):
            if len(row) <= text_index:
                continue
            if error_index is not None and _flagged(row, error_index):
                continue
            text = row[text_index]
            if text.strip():
                yield text, position[0]


def _flagged(row: list[str], error_index: int) -> bool:
    return len(row) > error_index and is_flagged_error(row[error_index])
