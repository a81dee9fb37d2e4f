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
dropped and reported with what the text holds at its positions: nothing is shifted or dropped
silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .account import Account
from .records import DocumentRecord, EntityRecord, Issue
from .text import read_text, same_surface

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
    for text_path in sorted(root.rglob("*.txt")):
        doc_id = text_path.relative_to(root).with_suffix("").as_posix()
        concept_path = _companion(text_path, ".con", "concept")
        if concept_path is None:
            account.document_excluded(
                "no .con file", file=str(text_path), doc_id=doc_id, detail="not annotated"
            )
            continue
        yield _document(doc_id, text_path, concept_path, account)


def _companion(text_path: Path, suffix: str, folder: str) -> Path | None:
    """``name.con`` beside ``name.txt``, else ``../concept/name.con`` when the text is in
    ``txt/``."""
    candidates = [text_path.with_suffix(suffix)]
    if text_path.parent.name == "txt":
        candidates.append(text_path.parent.parent / folder / f"{text_path.stem}{suffix}")
    return next((candidate for candidate in candidates if candidate.is_file()), None)


def _document(doc_id: str, text_path: Path, concept_path: Path, account: Account) -> DocumentRecord:
    text = read_text(text_path)
    lines = _Lines(text)
    file = str(concept_path)
    assertions = _assertions(_companion(text_path, ".ast", "ast"), account, doc_id)
    entities = []
    for concept in _concepts(concept_path, account, doc_id):
        attributes = {}
        assertion = assertions.pop((concept.position, concept.label.lower()), None)
        if assertion is not None:
            attributes["assertion"] = assertion
        entity = _place(concept, lines, text, attributes, account, file, doc_id)
        if entity is not None:
            entities.append(entity)
    for (position, label), assertion in assertions.items():
        account.note(
            "assertion without a concept",
            file=str(_companion(text_path, ".ast", "ast")),
            doc_id=doc_id,
            detail=f"{_format(position)} {label} a={assertion!r}",
        )
    return DocumentRecord(doc_id=doc_id, text=text, source=file, entities=entities)


def _concepts(path: Path, account: Account, doc_id: str) -> Iterator[_Concept]:
    for number, raw in enumerate(read_text(path).splitlines(), start=1):
        if not raw.strip():
            continue
        match = _CONCEPT.match(raw.strip())
        if match is None:
            label = re.search(r'\|\|t="([^"]*)"', raw)
            account.annotation_unplaced(
                label.group(1) if label else "",
                raw,
                'malformed line: expected c="..." L:T L:T||t="..."',
                file=str(path),
                line=number,
                doc_id=doc_id,
            )
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
    for concept in _concepts(path, account, doc_id):
        if concept.assertion is None:
            account.note(
                "assertion line without a=", file=str(path), line=concept.line, doc_id=doc_id
            )
            continue
        found[(concept.position, concept.label.lower())] = concept.assertion
    return found


class _Lines:
    """Character offsets of every line's tokens under both token rules."""

    def __init__(self, text: str) -> None:
        self.starts: list[int] = []
        self.lines: list[str] = []
        offset = 0
        for line in text.split("\n"):
            self.starts.append(offset)
            self.lines.append(line.rstrip("\r"))
            offset += len(line) + 1

    def tokens(self, number: int, single_space: bool) -> list[tuple[int, int]] | None:
        """Token (start, end) offsets in the text for 1-based line ``number``, None if no line."""
        if not 1 <= number <= len(self.lines):
            return None
        line, base = self.lines[number - 1], self.starts[number - 1]
        if not single_space:
            return [(base + m.start(), base + m.end()) for m in _WORD.finditer(line)]
        spans, position = [], base
        for token in line.split(" "):
            spans.append((position, position + len(token)))
            position += len(token) + 1
        return spans

    def span(self, position: Position, single_space: bool) -> tuple[int, int] | None:
        first_line, first_token, last_line, last_token = position
        first = self.tokens(first_line, single_space)
        last = self.tokens(last_line, single_space)
        if first is None or last is None:
            return None
        if first_token >= len(first) or last_token >= len(last):
            return None
        start, end = first[first_token][0], last[last_token][1]
        return (start, end) if start < end else None


def _place(
    concept: _Concept,
    lines: _Lines,
    text: str,
    attributes: dict[str, str],
    account: Account,
    file: str,
    doc_id: str,
) -> EntityRecord | None:
    span = lines.span(concept.position, single_space=False)
    if span is not None and same_surface(text[span[0] : span[1]], concept.text, ignore_case=True):
        return _entity(concept, span, attributes)
    fallback = lines.span(concept.position, single_space=True)
    if fallback is not None and same_surface(
        text[fallback[0] : fallback[1]], concept.text, ignore_case=True
    ):
        issue = Issue(
            "placed by the single-space split",
            f"{_format(concept.position)} reads {concept.text!r} only when empty tokens "
            f"(a leading or doubled space) are counted",
        )
        return _entity(concept, fallback, attributes, (issue,))
    where = _format(concept.position)
    if span is None:
        account.annotation_unplaced(
            concept.label,
            concept.text,
            "position outside the text",
            file=file,
            line=concept.line,
            doc_id=doc_id,
            detail=f"{where} is not a token of the text",
        )
        return None
    unplaced = EntityRecord(*span, concept.label, concept.text, attributes, concept.line)
    account.entity_dropped(
        unplaced,
        "text mismatch",
        file=file,
        doc_id=doc_id,
        detail=f"{where} reads {text[span[0] : span[1]]!r}, annotation says {concept.text!r}",
    )
    return None


def _entity(
    concept: _Concept,
    span: tuple[int, int],
    attributes: dict[str, str],
    changes: tuple[Issue, ...] = (),
) -> EntityRecord:
    return EntityRecord(
        span[0], span[1], concept.label, concept.text, attributes, concept.line, changes
    )


def _format(position: Position) -> str:
    return "{}:{} {}:{}".format(*position)
