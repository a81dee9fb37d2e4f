"""Documents from plain text, JSONL, MIMIC-III NOTEEVENTS and MIMIC-IV-Note files, streamed with
resumable positions, read by the reader of notes (:mod:`spacy_minialbert.notes`).

Every reader gives, with each document, the byte offset where the next one starts. A checkpoint
stores that offset, so a resumed run seeks straight back instead of re-reading a multi-GB file.
``.gz`` files are read through ``gzip`` (offsets then count uncompressed bytes).

Text is UTF-8 and never altered. What is no document is handled by kind:

- a document holding bytes that are not UTF-8 is skipped and reported (a warning naming the file,
  the byte offset where the document ends and the byte): replacing the bytes would train the
  student on text no note contains. ``DocumentSource.undecodable`` counts them;
- a record skipped by rule (``ISERROR`` = 1, unless ``data.keep_iserror``) or with an empty text
  is skipped and counted (``DocumentSource.skipped``, logged at the end of each pass);
- a malformed record (a line that is no JSON object, a CSV row that does not fit the header) or a
  JSON line without the text field stops the run with the file and byte offset: the corpus or
  ``data.text_column`` needs fixing.

Skipped documents take no place in the document index, so every process skips the same.
"""

from __future__ import annotations

import glob
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..notes import CsvNotes, JsonlNotes, MissingColumns, Note, Rejected, TextNotes
from ..notes.encoding import EncodingProblem
from ..notes.formats import format_from_name
from ..notes.mimic_iv import MimicIvNotes
from ..notes.records import BAD_ENCODING, EMPTY_TEXT, MALFORMED, MISSING_TEXT, InputItem

# The formats of the reader of notes, by their data.format names.
_DATA_FORMAT_OF = {"text": "text", "jsonl": "jsonl", "csv": "mimic", "mimic-iv": "mimic-iv"}

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
    files: dict[Path, InputFile] = {}
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
            if path not in files:
                files[path] = InputFile(path, _format_of(path, data_format))
    return list(files.values())


def _format_of(path: Path, data_format: str) -> str:
    if data_format != "auto":
        return data_format
    found = _DATA_FORMAT_OF.get(format_from_name(path) or "")
    if found is None:
        raise ValueError(
            f"Cannot tell the format of {path} from its name; set data.format to 'text', "
            "'jsonl', 'mimic' or 'mimic-iv'."
        )
    return found


class DocumentSource:
    """Iterates the documents of several files in order, from any saved position.
    ``text_column``: the JSON key or CSV column of the text (None: ``text``, NOTEEVENTS'
    ``TEXT``); ``keep_iserror``: keep records flagged ``ISERROR`` = 1."""

    def __init__(
        self,
        files: Sequence[InputFile],
        text_column: str | None = None,
        keep_iserror: bool = False,
    ) -> None:
        if not files:
            raise ValueError("No input files.")
        self.files = list(files)
        self.text_column = text_column
        self.keep_iserror = keep_iserror
        self.skipped: Counter[str] = Counter()  # records that are no document, by reason

    @property
    def undecodable(self) -> int:
        """Documents skipped for bytes that are not UTF-8."""
        return self.skipped[BAD_ENCODING]

    def documents(self, start: SourcePosition) -> Iterator[tuple[str, SourcePosition]]:
        """Yield each document's text with the position just after it."""
        documents = start.documents
        for file_index in range(start.file_index, len(self.files)):
            item = self.files[file_index]
            offset = start.offset if file_index == start.file_index else 0
            records = read_records(item, offset, self.text_column, self.keep_iserror)
            # The name of the text field or column the file is read with.
            text_name = self.text_column or ("TEXT" if item.format == "mimic" else "text")
            for text, after in document_texts(records, item.path, text_name, self.skipped):
                documents += 1
                yield text, SourcePosition(file_index, after, documents)
        if self.skipped:
            counts = ", ".join(f"{reason}: {count}" for reason, count in self.skipped.items())
            logger.info("Records skipped so far, by reason: %s.", counts)


def read_records(
    item: InputFile, offset: int = 0, text_column: str | None = None, keep_iserror: bool = False
) -> Iterator[InputItem]:
    """The records of one file from byte ``offset`` on, read by the reader of its format."""
    path = item.path
    if item.format == "text":
        return TextNotes(path).items(offset)
    table = MimicIvNotes if item.format == "mimic-iv" else CsvNotes
    try:
        reader = (JsonlNotes if item.format == "jsonl" else table)(
            path, text_column=text_column, keep_iserror=keep_iserror, require_id=False
        )
    except MissingColumns as error:
        raise ValueError(
            f"{path} has no column '{text_column or error.missing[0]}' (data.text_column); its "
            f"columns: {', '.join(error.found)}."
        ) from None
    return reader.items(offset)


def document_texts(
    records: Iterable[InputItem], path: Path, text_name: str, skipped: Counter[str]
) -> Iterator[tuple[str, int]]:
    """Each note's text with the offset after it; what is no note is counted in ``skipped`` and
    reported, or stops the run (see the module docstring). ``text_name``: the text's field."""
    for record in records:
        if isinstance(record, Note):
            assert record.end is not None
            yield record.text, record.end
        elif record.reason == BAD_ENCODING and record.problem is not None:
            skipped[BAD_ENCODING] += 1
            logger.warning(
                "%s: the document ending at byte %d is skipped: %s is not UTF-8.",
                path, record.end, _where(record.problem, text_name),
            )  # fmt: skip
        elif record.outcome == "skipped" or record.reason == EMPTY_TEXT:
            skipped[record.reason] += 1
        else:
            raise _refusal(record, path, text_name)


def _where(problem: EncodingProblem, text_name: str) -> str:
    """``byte 0xff at character 7`` in the text, ``... of <field>`` in another field."""
    in_text = problem.field.lower() == text_name.lower()
    return problem.at() if in_text else f"{problem.at()} of {problem.field}"


def _refusal(record: Rejected, path: Path, text_name: str) -> ValueError:
    jsonl = path.name.lower().removesuffix(".gz").endswith((".jsonl", ".ndjson", ".json"))
    unit, syntax = ("line", "JSON") if jsonl else ("row", "CSV")
    if record.reason == MISSING_TEXT:
        return ValueError(
            f"{path}: the {unit} at byte {record.start} has no string field '{text_name}' "
            "(data.text_column)."
        )
    if record.reason == MALFORMED:
        return ValueError(
            f"{path}: the {unit} at byte {record.start} is not valid {syntax} ({record.detail})."
        )
    return ValueError(f"{path}: {record.source}: {record.reason}: {record.detail}")


def read_text(path: Path, offset: int = 0) -> Iterator[tuple[str, int]]:
    """Plain text: documents are separated by one or more blank lines; a document's own line
    breaks are kept."""
    return document_texts(TextNotes(path).items(offset), path, "text", Counter())


def read_jsonl(path: Path, offset: int = 0, field: str = "text") -> Iterator[tuple[str, int]]:
    """One JSON object per line with the text under ``field`` (other keys, e.g. ``id``, are
    ignored); blank lines are skipped."""
    records = read_records(InputFile(path, "jsonl"), offset, field)
    return document_texts(records, path, field, Counter())


def read_mimic(
    path: Path, offset: int = 0, text_column: str = "TEXT", keep_iserror: bool = False
) -> Iterator[tuple[str, int]]:
    """A MIMIC-III NOTEEVENTS CSV (or any CSV with a header): the ``text_column`` of each row;
    rows with ``ISERROR`` = 1 (notes a physician flagged as wrong) are skipped unless kept."""
    records = read_records(InputFile(path, "mimic"), offset, text_column, keep_iserror)
    return document_texts(records, path, text_column, Counter())
