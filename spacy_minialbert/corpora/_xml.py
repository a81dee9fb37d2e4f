"""A tolerant reader for the i2b2 annotation XML files (2012 and 2014), which are not always
well-formed and whose offsets count characters an XML parser would change.

Why not an XML parser: parsers normalise CRLF to LF inside ``<TEXT>`` (the 2014 offsets count
the ``\\r``) and reject the files that hold a raw ``&``. So the file is read as text: ``<TEXT>`` is
taken raw (the CDATA content as stored; without CDATA, entities decoded), and each element inside
``<TAGS>`` is matched with its attributes. A raw ``&`` is kept literally and reported; markup that
matches no element is reported with its line, never skipped silently.

A file that cannot be read fails its document (reported with its line and the rule): bytes that are
not UTF-8, a character reference to no character (``&#1114112;``, a surrogate, ``&#0;``), or no
``<TEXT>`` element. Element names are matched case-insensitively (``<name>`` is a ``NAME``, reported
as changed); an element a reader does not know is a dropped mention when it has offsets, else a
skipped annotation."""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from .account import Account, DocumentAccount
from .records import DocumentRecord, GoldEntity, Issue
from .text import CorpusFileError, corpus_files, line_starts, read_text, relocate, same_surface

_TEXT = re.compile(r"<TEXT\s*>(?P<inner>.*?)</TEXT\s*>", re.S)
_CDATA = re.compile(r"\s*<!\[CDATA\[(?P<text>.*)\]\]>\s*", re.S)
_TAGS = re.compile(r"<TAGS\s*>(?P<inner>.*?)</TAGS\s*>", re.S)
_ELEMENT = re.compile(
    r"<(?P<name>[A-Za-z_][\w.-]*)"
    r"(?P<attributes>(?:\s+[\w:.-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*/?>"
)
_ATTRIBUTE = re.compile(r"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_SKIPPED = re.compile(r"\s+|</[A-Za-z_][\w.-]*\s*>|<!--.*?-->", re.S)
_ENTITY = re.compile(r"&(?:(amp|lt|gt|apos|quot)|#(\d+)|#x([0-9a-fA-F]+));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "apos": "'", "quot": '"'}
INVALID_REFERENCE = "character reference to no character"
_SURROGATES = range(0xD800, 0xE000)


@dataclass(frozen=True)
class XmlTag:
    """One element of ``<TAGS>``: attributes decoded, and as written (for surfaces that hold a
    literal ``&apos;``)."""

    name: str
    attributes: dict[str, str]
    raw_attributes: dict[str, str]
    line: int


@dataclass(frozen=True)
class AnnotationXml:
    text: str
    tags: list[XmlTag]
    unparsed: list[tuple[int, str]]  # (line, markup) in <TAGS> that matched no element


def xml_documents(
    path: str | Path,
    account: Account,
    entity_tags: Collection[str],
    entity: Callable[[XmlTag, str, DocumentAccount], GoldEntity | None],
) -> Iterator[DocumentRecord]:
    """One document per XML file (``path``, or every ``*.xml`` under it) that can be read (else
    the document failed, reported with the line and the rule), with the entities
    ``entity(tag, text, report)`` makes of its elements. Markup in ``<TAGS>`` that matched no
    element is reported: a dropped mention when it names one of ``entity_tags`` (its label
    unknown, so the tag name stands for it), else a skipped annotation."""
    for file in corpus_files(path, (".xml",)):
        doc_id = file.stem
        report = DocumentAccount(account, str(file), doc_id)
        try:
            xml = _XmlFile(file, report).read()
        except CorpusFileError as error:
            account.file_failed(error, doc_id)
            continue
        for line, snippet in xml.unparsed:
            name = re.match(r"<([A-Za-z_][\w.-]*)", snippet)
            known = canonical_name(name[1], entity_tags) if name is not None else None
            if known is not None:
                report.annotation_unplaced(known, snippet[:80], "unparsed markup", line)
            else:
                detail = f"starts with {snippet[:20]!r}"
                report.annotation_skipped("unparsed markup in <TAGS>", line=line, detail=detail)
        placed = (entity(tag, xml.text, report) for tag in xml.tags)
        entities = [placed_entity for placed_entity in placed if placed_entity is not None]
        yield DocumentRecord(doc_id=doc_id, text=xml.text, source=str(file), entities=entities)


class _XmlFile:
    """One file as read: its raw text, offsets in it to lines, and where it reports."""

    def __init__(self, path: Path, report: DocumentAccount) -> None:
        self.path, self.report = path, report
        self.raw = read_text(path)
        self.starts = line_starts(self.raw)

    def line_at(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def read(self) -> AnnotationXml:
        raw = self.raw
        text_match = _TEXT.search(raw)
        if text_match is None:
            raise CorpusFileError(
                self.path, None, "no <TEXT> element", "the document text is missing"
            )
        cdata = _CDATA.fullmatch(text_match["inner"])
        if cdata is not None:
            text = cdata["text"]
        else:
            text = self.decode(text_match["inner"], text_match.start("inner"))
        tags_match = _TAGS.search(raw, text_match.end())
        if tags_match is None:
            self.report.note("no <TAGS> element")
            return AnnotationXml(text, [], [])
        tags, unparsed = [], []
        position, end = tags_match.start("inner"), tags_match.end("inner")
        while position < end:
            skipped = _SKIPPED.match(raw, position, end)
            if skipped is not None:
                position = skipped.end()
                continue
            element = _ELEMENT.match(raw, position, end)
            if element is None:
                following = raw.find("<", position + 1, end)
                following = end if following == -1 else following
                unparsed.append((self.line_at(position), raw[position:following].strip()))
                position = following
                continue
            decoded, as_written = {}, {}
            for attribute in _ATTRIBUTE.finditer(element["attributes"]):
                group = 2 if attribute[2] is not None else 3
                value = attribute[group]
                as_written[attribute[1]] = value
                value_offset = element.start("attributes") + attribute.start(group)
                decoded[attribute[1]] = self.decode(value, value_offset)
            tags.append(XmlTag(element["name"], decoded, as_written, self.line_at(position)))
            position = element.end()
        return AnnotationXml(text, tags, unparsed)

    def decode(self, raw: str, base: int) -> str:
        """``raw`` (at offset ``base`` of the file) with XML entity references replaced; an ``&``
        that starts none is kept as it is and reported. A character reference to no character
        fails the file (no text can stand for it without shifting every offset)."""
        parts, position = [], 0
        for offset in (match.start() for match in re.finditer("&", raw)):
            if offset < position:
                continue
            parts.append(raw[position:offset])
            entity = _ENTITY.match(raw, offset)
            if entity is None:
                line = self.line_at(base + offset)
                self.report.note("raw '&' in XML (kept as '&')", line=line)
                parts.append("&")
                position = offset + 1
                continue
            named, decimal, hexadecimal = entity.groups()
            if named:
                parts.append(_NAMED[named])
            else:
                code = int(decimal) if decimal else int(hexadecimal, 16)
                if not 0 < code <= sys.maxunicode or code in _SURROGATES:
                    raise CorpusFileError(
                        self.path,
                        self.line_at(base + offset),
                        INVALID_REFERENCE,
                        f"{entity[0]}: an XML character reference must name a character, "
                        "U+0001 to U+10FFFF without the surrogates U+D800 to U+DFFF",
                    )
                parts.append(chr(code))
            position = entity.end()
        parts.append(raw[position:])
        return "".join(parts)


def canonical_name(name: str, known: Collection[str]) -> str | None:
    """The name in ``known`` that ``name`` is, compared case-insensitively (None if none)."""
    return next((k for k in known if k.casefold() == name.casefold()), None)


def place_element(
    tag: XmlTag, known: Collection[str], report: DocumentAccount
) -> tuple[str, tuple[Issue, ...]] | None:
    """(canonical name, repairs) of ``tag`` among the ``known`` element names (a name in another
    case is repaired, reported as changed with the mention). None for an unknown element,
    reported: a dropped mention when it has offsets (its name as the label), else a skipped
    annotation."""
    name = canonical_name(tag.name, known)
    if name == tag.name:
        return name, ()
    if name is not None:
        return name, (Issue("element name in another case", f"<{tag.name}> read as <{name}>"),)
    if "start" in tag.attributes or "end" in tag.attributes:
        report.annotation_unplaced(
            tag.name,
            tag.attributes.get("text", ""),
            "unknown element",
            tag.line,
            f"<{tag.name}> with offsets {tag.attributes.get('start')!r}-"
            f"{tag.attributes.get('end')!r} is none of {', '.join(known)}",
        )
    else:
        report.annotation_skipped(
            "unknown element",
            line=tag.line,
            label=tag.name,
            detail=f"<{tag.name}> is none of {', '.join(known)}",
        )
    return None


def place_tag(
    tag: XmlTag,
    text: str,
    label: str,
    attributes: dict[str, str],
    report: DocumentAccount,
    changes: tuple[Issue, ...] = (),
) -> GoldEntity | None:
    """The entity ``tag`` annotates (``start``/``end`` into ``text``, checked against its ``text``
    attribute), relocated nearby when the offsets read something else (reported as changed), or
    None when it cannot be placed (reported as dropped)."""
    surface = tag.attributes.get("text")
    try:
        start, end = int(tag.attributes["start"]), int(tag.attributes["end"])
    except (KeyError, ValueError):
        detail = (
            f"<{tag.name}> start={tag.attributes.get('start')!r} end={tag.attributes.get('end')!r}"
        )
        report.annotation_unplaced(label, surface or "", "malformed offsets", tag.line, detail)
        return None
    inside = 0 <= start < end <= len(text)
    if surface is None and inside:
        surface = text[start:end]
    candidates = [surface or "", tag.raw_attributes.get("text", "")]
    for candidate in candidates:
        if inside and candidate and same_surface(text[start:end], candidate):
            return GoldEntity(start, end, label, candidate, attributes, tag.line, changes)
    reason, found = _offsets_problem(start, end, text)
    for candidate in filter(None, candidates):
        moved = relocate(text, start, candidate)
        if moved is not None:
            issue = Issue(
                "text mismatch: relocated",
                f"{start}-{end} is {found}; {candidate!r} found at {moved[0]}-{moved[1]} "
                f"(shift {moved[0] - start:+d})",
            )
            return GoldEntity(*moved, label, candidate, attributes, tag.line, (*changes, issue))
    unplaced = GoldEntity(
        max(0, start), max(0, start, end), label, surface or "", attributes, tag.line, changes
    )
    report.entity_dropped(
        unplaced, reason, f"{start}-{end} is {found}, annotation says {surface!r}"
    )
    return None


def _offsets_problem(start: int, end: int, text: str) -> tuple[str, str]:
    """(reason, what ``start``-``end`` is) for offsets whose text is not the annotation's."""
    if end < start:
        return "end before start", "an end before its start"
    if end == start:
        return "empty span", "empty"
    if start < 0 or end > len(text):
        return "offsets outside the text", f"outside the text ({len(text)} characters)"
    return "text mismatch", repr(text[start:end])
