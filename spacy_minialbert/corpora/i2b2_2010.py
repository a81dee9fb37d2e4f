"""Reader for the i2b2/VA 2010 concepts corpus (``.txt`` + ``.con``, optional ``.ast``).

Input, one document per ``.txt`` file, searched recursively under the given folder:

- ``<name>.txt``: pre-tokenised text, one sentence-like unit per line, tokens separated by spaces.
- ``<name>.con`` next to it, or in a sibling ``concept/`` folder when the text sits in ``txt/``
  (the release's ``{beth,partners}/{txt,concept,ast}/`` layout). One concept per line::

      c="chest pain" 3:2 3:3||t="problem"

  ``c`` is the concept's text, lowercased; ``3:2`` is line 3 (counted from 1), token 2 (counted
  from 0); the end position ``3:3`` is inclusive and may be on a later line. ``t`` is the type
  (``problem``, ``test``, ``treatment``), used as the label.
- ``<name>.ast`` (same places, ``ast/`` folder), optional: the concept line followed by
  ``||a="absent"``; kept as the entity's ``assertion`` attribute.

Placement rule. Tokens are the whitespace-separated words of a line (leading and repeated spaces
separate nothing). The span from the start token to the end token must read as ``c`` (compared
case-insensitively, whitespace runs equal). Some lines begin with a space, and some annotations on
them count an empty token before it; so when the rule above does not give ``c``, the positions are
tried on the line split at every single space (empty tokens counted), and a concept placed that way
is reported as changed ("placed by the single-space split"). A concept neither rule places is
dropped and reported with what the text holds at its positions, or why the positions name no span
("end before start", "line outside the text", "token outside its line"): nothing is shifted or
dropped silently. Assertions that find no concept are skipped, reported.

A file that is not UTF-8 is reported with its line and byte offset: an unreadable ``.txt`` or
``.con`` fails the document (the ``.con``'s concepts, if it can be read, are dropped with that
reason); an unreadable ``.ast`` loses only the assertions (skipped, reported). A ``.con`` no
``.txt`` finds is reported with its concepts dropped ("no .txt file"), an ``.ast`` as skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from .account import Account, DocumentAccount
from .records import DocumentRecord, GoldEntity, Issue
from .text import CorpusFileError, line_starts, read_annotations, read_text, same_surface

_CONCEPT = re.compile(
    r'^c="(?P<text>.*)" (?P<l1>\d+):(?P<t1>\d+) (?P<l2>\d+):(?P<t2>\d+)'
    r'\|\|t="(?P<type>[^"]*)"(?:\|\|a="(?P<assertion>[^"]*)")?\s*$'
)
_WORD = re.compile(r"\S+")

Position = tuple[int, int, int, int]  # start line, start token, end line, end token (inclusive)


@dataclass(frozen=True)
class _Concept:
    text: str
    position: Position
    label: str
    assertion: str | None
    line: int  # in the .con / .ast file


def i2b2_2010_documents(path: str | Path, *, account: Account) -> Iterator[DocumentRecord]:
    """Documents of an i2b2 2010 folder, concepts placed by the rule in the module docstring."""
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: not a folder of i2b2 2010 .txt/.con files.")
    used: set[Path] = set()  # annotation files that found their text
    for text_path in sorted(root.rglob("*.txt")):
        doc_id = text_path.relative_to(root).with_suffix("").as_posix()
        concept_path = _companion(text_path, ".con", "concept")
        assertion_path = _companion(text_path, ".ast", "ast")
        used.update(p for p in (concept_path, assertion_path) if p is not None)
        if concept_path is None:
            account.document_excluded(
                "no .con file", file=str(text_path), doc_id=doc_id, detail="not annotated"
            )
            continue
        try:
            record = _document(doc_id, text_path, concept_path, assertion_path, account)
        except CorpusFileError as error:
            account.file_failed(error, doc_id)
            if error.file == str(text_path):
                with suppress(CorpusFileError):  # both unreadable: the first one is reported
                    _concepts_unplaced(concept_path, f".txt file {error.reason}", account, doc_id)
            continue
        yield record
    _report_orphans(root, used, account)


def _report_orphans(root: Path, used: set[Path], account: Account) -> None:
    """Annotation files that no ``.txt`` found: their concepts are dropped, their assertions
    skipped, each reported."""
    for path in sorted(root.rglob("*.con")):
        if path not in used:
            doc_id = path.relative_to(root).with_suffix("").as_posix()
            account.document_excluded("no .txt file", file=str(path), doc_id=doc_id)
            try:
                _concepts_unplaced(path, "no .txt file", account, doc_id)
            except CorpusFileError as error:
                account.file_failed(error, doc_id)
    for path in sorted(root.rglob("*.ast")):
        if path not in used:
            account.annotation_skipped(
                "assertion file without its .txt and .con",
                file=str(path),
                doc_id=path.relative_to(root).with_suffix("").as_posix(),
            )


def _companion(text_path: Path, suffix: str, folder: str) -> Path | None:
    """``name.con`` beside ``name.txt``, else ``../concept/name.con`` when the text is in
    ``txt/``."""
    candidates = [text_path.with_suffix(suffix)]
    if text_path.parent.name == "txt":
        candidates.append(text_path.parent.parent / folder / f"{text_path.stem}{suffix}")
    return next((candidate for candidate in candidates if candidate.is_file()), None)


def _concepts_unplaced(concept_path: Path, reason: str, account: Account, doc_id: str) -> None:
    """Every concept of ``concept_path`` dropped for ``reason`` (its text cannot be had). Raises
    :class:`CorpusFileError` when the ``.con`` itself cannot be read."""
    report = DocumentAccount(account, str(concept_path), doc_id)
    for concept in list(_concepts(concept_path, report)):
        report.annotation_unplaced(concept.label, concept.text, reason, concept.line)


def _document(
    doc_id: str,
    text_path: Path,
    concept_path: Path,
    assertion_path: Path | None,
    account: Account,
) -> DocumentRecord:
    text = read_text(text_path)
    lines = _Lines(text)
    report = DocumentAccount(account, str(concept_path), doc_id)
    assertions = _assertions(assertion_path, account, doc_id)
    entities = []
    # The .con is read whole at the first concept: a file that is not UTF-8 yields none.
    for concept in _concepts(concept_path, report):
        attributes = {}
        assertion = assertions.pop((concept.position, concept.label.lower()), None)
        if assertion is not None:
            attributes["assertion"] = assertion
        entity = _place(concept, lines, text, attributes, report)
        if entity is not None:
            entities.append(entity)
    for (position, label), assertion in assertions.items():
        account.annotation_skipped(
            "assertion without a concept",
            file=str(assertion_path),
            doc_id=doc_id,
            label=label,
            detail=f"{_format(position)} {label} a={assertion!r}",
        )
    return DocumentRecord(doc_id=doc_id, text=text, source=report.file, entities=entities)


def _concepts(path: Path, report: DocumentAccount) -> Iterator[_Concept]:
    """The concepts of the ``.con`` or ``.ast`` file ``path`` (``report.file``)."""
    for number, raw in enumerate(read_annotations(path).splitlines(), start=1):
        if not raw.strip():
            continue
        match = _CONCEPT.match(raw.strip())
        if match is None:
            label = re.search(r'\|\|t="([^"]*)"', raw)
            reason = 'malformed line: expected c="..." L:T L:T||t="..."'
            report.annotation_unplaced(label.group(1) if label else "", raw, reason, number)
            continue
        position = (int(match["l1"]), int(match["t1"]), int(match["l2"]), int(match["t2"]))
        yield _Concept(match["text"], position, match["type"], match["assertion"], number)


def _assertions(
    path: Path | None, account: Account, doc_id: str
) -> dict[tuple[Position, str], str]:
    """(position, lowercased type) -> assertion, from the ``.ast`` file if there is one."""
    if path is None:
        return {}
    found: dict[tuple[Position, str], str] = {}
    report = DocumentAccount(account, str(path), doc_id)
    try:
        concepts = list(_concepts(path, report))
    except CorpusFileError as error:
        report.annotation_skipped(
            f"assertions: {error.reason}",
            line=error.line,
            detail=f"every assertion of the file is lost; {error.detail}",
        )
        return {}
    for concept in concepts:
        if concept.assertion is None:
            line, label = concept.line, concept.label
            report.annotation_skipped("assertion line without a=", line=line, label=label)
            continue
        found[(concept.position, concept.label.lower())] = concept.assertion
    return found


class _Lines:
    """Character offsets of every line's tokens under both token rules."""

    def __init__(self, text: str) -> None:
        self.starts = line_starts(text)
        self.lines = [line.rstrip("\r") for line in text.split("\n")]

    def tokens(self, number: int, single_space: bool) -> list[tuple[int, int]]:
        """Token (start, end) offsets in the text for 1-based line ``number`` (a line that
        exists)."""
        line, base = self.lines[number - 1], self.starts[number - 1]
        if not single_space:
            return [(base + m.start(), base + m.end()) for m in _WORD.finditer(line)]
        spans, position = [], base
        for token in line.split(" "):
            spans.append((position, position + len(token)))
            position += len(token) + 1
        return spans

    def span(self, position: Position, single_space: bool) -> tuple[int, int] | Issue:
        """The (start, end) characters of ``position``, or why it names no span."""
        first_line, first_token, last_line, last_token = position
        if (last_line, last_token) < (first_line, first_token):
            return Issue("end before start", f"{_format(position)} ends before it starts")
        for line in (first_line, last_line):
            if not 1 <= line <= len(self.lines):
                detail = f"{_format(position)}: line {line} of a text of {len(self.lines)} lines"
                return Issue("line outside the text", detail)
        first = self.tokens(first_line, single_space)
        last = first if last_line == first_line else self.tokens(last_line, single_space)
        for line, token, tokens in (
            (first_line, first_token, first),
            (last_line, last_token, last),
        ):
            if token >= len(tokens):
                detail = (
                    f"{_format(position)}: token {token} of line {line}, which has {len(tokens)}"
                )
                return Issue("token outside its line", detail)
        start, end = first[first_token][0], last[last_token][1]
        if start >= end:
            return Issue("empty span", f"{_format(position)} covers no character")
        return start, end


def _place(
    concept: _Concept,
    lines: _Lines,
    text: str,
    attributes: dict[str, str],
    report: DocumentAccount,
) -> GoldEntity | None:
    label, line = concept.label, concept.line
    span = lines.span(concept.position, single_space=False)
    if isinstance(span, tuple) and _reads(text, span, concept.text):
        return GoldEntity(*span, label, concept.text, attributes, line)
    fallback = lines.span(concept.position, single_space=True)
    where = _format(concept.position)
    if isinstance(fallback, tuple) and _reads(text, fallback, concept.text):
        issue = Issue(
            "placed by the single-space split",
            f"{where} reads {concept.text!r} only when empty tokens "
            f"(a leading or doubled space) are counted",
        )
        return GoldEntity(*fallback, label, concept.text, attributes, line, (issue,))
    if isinstance(span, Issue):
        report.annotation_unplaced(label, concept.text, span.reason, line, span.detail)
        return None
    unplaced = GoldEntity(*span, label, concept.text, attributes, line)
    report.entity_dropped(
        unplaced,
        "text mismatch",
        f"{where} reads {text[span[0] : span[1]]!r}, annotation says {concept.text!r}",
    )
    return None


def _reads(text: str, span: tuple[int, int], surface: str) -> bool:
    return same_surface(text[span[0] : span[1]], surface, ignore_case=True)


def _format(position: Position) -> str:
    return "{}:{} {}:{}".format(*position)
