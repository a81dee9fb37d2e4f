"""Reader for brat standoff corpora (``.txt`` + ``.ann``): n2c2 2018 track 2 medications,
NCBI-disease, and any other brat corpus.

Input, one document per ``<name>.ann`` with its ``<name>.txt`` beside it (searched recursively
when given a folder). ``.ann`` lines are tab-separated; offsets are characters into the ``.txt``,
0-based, end exclusive:

- ``T1<TAB>Drug 10 17<TAB>aspirin``: a text-bound mention (the entity). Discontinuous:
  ``T2<TAB>Strength 20 23;30 32<TAB>5 mg`` (fragments in order, surface joined by spaces).
- ``N1<TAB>Reference T1 MeSH:D001241<TAB>name``: a normalisation, kept as attribute
  ``Reference`` (several joined by ``|``).
- ``A1<TAB>Negated T1`` / ``M1<TAB>Level T1 High``: attributes (value ``true`` when absent).
- ``#1<TAB>AnnotatorNotes T1<TAB>text``: a note, kept as attribute ``AnnotatorNotes``.
- ``R1<TAB>Strength-Drug Arg1:T2 Arg2:T1``, ``E1<TAB>Type:T3 Role:T4``, ``*<TAB>Equiv T1 T5``:
  relations, events (one relation per role, from the trigger) and equivalences; kept as relations.
- Anything else is an unknown line: skipped, reported (a strict conversion fails).

Whitespace before a line's id is removed (reported as a note; nothing is lost). An id used by two
``T`` lines keeps both mentions: attributes, notes and relations naming the id go to the first,
and the later one is reported as changed ("repeated annotation id"). A file that is not UTF-8
fails its document, reported with the line and byte offset; when only the ``.txt`` is unreadable
the ``.ann``'s mentions are dropped with that reason.

Each mention's surface is checked against the text (whitespace runs equal, since ``.ann`` lines
cannot hold newlines); a contiguous mention that does not match is relocated nearby (changed) or
dropped (reported).

Discontinuous mentions cannot be one spaCy entity. Their fragments always go to the span group
``"fragments"``; what goes to the entities is the ``discontinuous`` policy, each use reported as a
change (or drop):

- ``auto`` (default): the covering span when only whitespace separates the fragments (a mention
  broken at a line end), otherwise the first fragment (the text between fragments belongs to
  other words, so a covering span would label them);
- ``cover``: the covering span, first start to last end;
- ``first``: the first fragment;
- ``drop``: no entity (the fragments stay in ``"fragments"``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path

from .account import Account, DocumentAccount
from .records import DocumentRecord, GoldEntity, Issue, RelationRecord
from .text import CorpusFileError, read_annotations, read_text, relocate, same_surface

DISCONTINUOUS_POLICIES = ("auto", "cover", "first", "drop")
FRAGMENTS = "fragments"


@dataclass
class _TextBound:
    id: str
    label: str
    fragments: list[tuple[int, int]]
    surface: str
    line: int
    attributes: dict[str, str] = field(default_factory=dict)
    changes: list[Issue] = field(default_factory=list)  # what reading its line had to repair


@dataclass
class _Link:
    label: str
    ids: tuple[str, str]
    line: int


@dataclass
class _Annotations:
    mentions: list[_TextBound] = field(default_factory=list)  # every T line, in file order
    by_id: dict[str, _TextBound] = field(default_factory=dict)  # an id's first T line
    links: list[_Link] = field(default_factory=list)
    triggers: dict[str, str] = field(default_factory=dict)  # event id -> trigger mention id


def brat_documents(
    path: str | Path, *, account: Account, discontinuous: str = "auto"
) -> Iterator[DocumentRecord]:
    """Documents of a brat folder (or one ``.ann``/``.txt`` file), mentions as entities."""
    if discontinuous not in DISCONTINUOUS_POLICIES:
        raise ValueError(
            f"discontinuous must be one of {DISCONTINUOUS_POLICIES}, got {discontinuous!r}."
        )
    root = Path(path)
    for ann_path, doc_id in _annotation_files(root, account):
        text_path = ann_path.with_suffix(".txt")
        report = DocumentAccount(account, str(ann_path), doc_id)
        try:
            annotations = _parse(ann_path, report)
        except CorpusFileError as error:
            account.file_failed(error, doc_id)
            continue
        if not text_path.is_file():
            account.document_excluded("no .txt file", file=str(ann_path), doc_id=doc_id)
            _unplaced(annotations, "no .txt file", report)
            continue
        try:
            text = read_text(text_path)
        except CorpusFileError as error:
            account.file_failed(error, doc_id)
            _unplaced(annotations, f".txt file {error.reason}", report)
            continue
        yield _document(text, annotations, report, discontinuous)


def _unplaced(annotations: _Annotations, reason: str, report: DocumentAccount) -> None:
    for mention in annotations.mentions:
        report.annotation_unplaced(mention.label, mention.surface, reason, mention.line)


def _annotation_files(root: Path, account: Account) -> Iterator[tuple[Path, str]]:
    if root.is_file():
        yield root.with_suffix(".ann"), root.stem
        return
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such file or folder.")
    for text_path in sorted(root.rglob("*.txt")):
        if not text_path.with_suffix(".ann").is_file():
            doc_id = text_path.relative_to(root).with_suffix("").as_posix()
            account.document_excluded("no .ann file", file=str(text_path), doc_id=doc_id)
    for ann_path in sorted(root.rglob("*.ann")):
        yield ann_path, ann_path.relative_to(root).with_suffix("").as_posix()


def _document(
    text: str, annotations: _Annotations, report: DocumentAccount, policy: str
) -> DocumentRecord:
    record = DocumentRecord(doc_id=report.doc_id, text=text, source=report.file)
    placed: dict[str, GoldEntity] = {}  # an id's first mention, where it landed
    for mention in annotations.mentions:
        entity = _place(mention, text, report)
        if entity is None:
            continue
        if len(mention.fragments) > 1:
            record.spans.setdefault(FRAGMENTS, []).extend(
                GoldEntity(s, e, mention.label, text[s:e], {"id": mention.id}, mention.line)
                for s, e in mention.fragments
            )
            entity = _apply_policy(entity, mention, text, policy, report)
        if entity is not None:
            if annotations.by_id[mention.id] is mention:
                placed[mention.id] = entity
            record.entities.append(entity)
    record.relations = _relations(annotations, placed, report)
    return record


def _parse(ann_path: Path, report: DocumentAccount) -> _Annotations:
    found = _Annotations()
    attachments: list[tuple[str, str, str, int]] = []  # (target id, key, value, line)
    for number, raw in enumerate(read_annotations(ann_path).split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        if line[0].isspace():
            report.note("whitespace before the annotation id (removed)", line=number)
            line = line.lstrip()
        columns = line.split("\t")
        kind, fields = line[0], columns[1].split() if len(columns) > 1 else []
        if kind == "T":
            mention = _text_bound(columns, number)
            if mention is None:
                label = fields[0] if fields else ""
                report.annotation_unplaced(
                    label,
                    line,
                    "malformed T line",
                    number,
                    "expected T<n><TAB><Type> <start> <end>[;<start> <end>...]<TAB>text",
                )
            else:
                _add_mention(found, mention)
        elif kind in "NAM#" and len(fields) >= 2:
            key, target = fields[0], fields[1]
            if kind == "N" or kind == "#":
                value = fields[2] if kind == "N" and len(fields) > 2 else "\t".join(columns[2:])
            else:
                value = fields[2] if len(fields) > 2 else "true"
            attachments.append((target, key, value, number))
        elif kind == "R" and len(fields) == 3:
            ids = (fields[1].partition(":")[2], fields[2].partition(":")[2])
            found.links.append(_Link(fields[0], ids, number))
        elif kind == "E" and fields:
            found.triggers[columns[0]] = fields[0].partition(":")[2]
            for role in fields[1:]:
                found.links.append(
                    _Link(role.partition(":")[0], (columns[0], role.partition(":")[2]), number)
                )
        elif kind == "*" and len(fields) >= 3:
            for head, child in pairwise(fields[1:]):
                found.links.append(_Link(fields[0], (head, child), number))
        else:
            report.annotation_skipped(
                "unknown or malformed annotation line",
                line=number,
                detail=f"starts with {columns[0][:20]!r}",
            )
    _attach(found, attachments, report)
    return found


def _add_mention(found: _Annotations, mention: _TextBound) -> None:
    first = found.by_id.setdefault(mention.id, mention)
    if first is not mention:
        mention.changes.append(
            Issue(
                "repeated annotation id",
                f"{mention.id} is also line {first.line}'s; what names {mention.id} goes to that "
                "mention",
            )
        )
    found.mentions.append(mention)


def _text_bound(columns: list[str], line: int) -> _TextBound | None:
    if len(columns) < 2 or not columns[1].strip():
        return None
    label, _, offsets = columns[1].partition(" ")
    fragments = []
    for fragment in offsets.split(";"):
        bounds = fragment.split()
        if len(bounds) != 2 or not all(b.isdigit() for b in bounds):
            return None
        fragments.append((int(bounds[0]), int(bounds[1])))
    surface = columns[2] if len(columns) > 2 else ""
    return _TextBound(columns[0], label, fragments, surface, line)


def _attach(
    found: _Annotations, attachments: list[tuple[str, str, str, int]], report: DocumentAccount
) -> None:
    """Put N/A/M/# values on their mention (an event's go on its trigger)."""
    for target, key, value, line in attachments:
        mention = found.by_id.get(found.triggers.get(target, target))
        if mention is None:
            detail = f"{key} of {target}"
            report.annotation_skipped(
                "refers to an unknown annotation", line=line, label=key, detail=detail
            )
            continue
        previous = mention.attributes.get(key)
        mention.attributes[key] = value if previous is None else f"{previous}|{value}"


def _place(mention: _TextBound, text: str, report: DocumentAccount) -> GoldEntity | None:
    # brat writes fragments in text order; sorting makes a hand-written file mean the same.
    written = _format(mention.fragments)
    fragments = mention.fragments = sorted(mention.fragments)
    start, end = fragments[0][0], fragments[-1][1]
    clipped = min(start, len(text))
    entity = GoldEntity(
        clipped,
        max(clipped, min(end, len(text))),
        mention.label,
        mention.surface,
        mention.attributes,
        mention.line,
        tuple(mention.changes),
    )
    failure = _offsets_failure(fragments, len(text))
    if failure is not None:
        reason, detail = failure
        report.entity_dropped(entity, reason, f"{written} {detail}")
        return None
    found = " ".join(text[s:e] for s, e in fragments)
    if not mention.surface or same_surface(found, mention.surface):
        return entity
    moved = relocate(text, start, mention.surface) if len(fragments) == 1 else None
    if moved is None:
        report.entity_dropped(entity, "text mismatch", f"{_format(fragments)} reads {found!r}")
        return None
    issue = Issue(
        "text mismatch: relocated",
        f"{_format(fragments)} reads {found!r}; found at {moved[0]}-{moved[1]} "
        f"(shift {moved[0] - start:+d})",
    )
    mention.fragments = [moved]
    return _changed(entity, *moved, issue)


def _offsets_failure(fragments: list[tuple[int, int]], length: int) -> tuple[str, str] | None:
    """(reason, detail) when a fragment cannot be a span of a text of ``length`` characters."""
    for start, end in fragments:
        if end < start:
            return "end before start", f"(fragment {start}-{end})"
        if end == start:
            return "empty fragment", f"(fragment {start}-{end})"
        if end > length:
            return "offsets outside the text", f"in a text of {length} characters"
    return None


def _apply_policy(
    entity: GoldEntity,
    mention: _TextBound,
    text: str,
    policy: str,
    report: DocumentAccount,
) -> GoldEntity | None:
    fragments = mention.fragments
    gaps = [text[e:s] for (_, e), (s, _) in pairwise(fragments)]
    where = _format(fragments)
    if policy == "drop":
        detail = f"{where}; fragments kept in doc.spans[{FRAGMENTS!r}]"
        report.entity_dropped(entity, "discontinuous", detail)
        return None
    if policy == "cover" or (policy == "auto" and all(not gap.strip() for gap in gaps)):
        joined = "covering span" if policy == "cover" else "joined across whitespace"
        issue = Issue(f"discontinuous: {joined}", f"{where} -> {entity.start}-{entity.end}")
        return _changed(entity, entity.start, entity.end, issue)
    first = fragments[0]
    issue = Issue("discontinuous: first fragment", f"{where} -> {first[0]}-{first[1]}")
    return _changed(entity, *first, issue)


def _changed(entity: GoldEntity, start: int, end: int, issue: Issue) -> GoldEntity:
    return replace(entity, start=start, end=end, changes=(*entity.changes, issue))


def _relations(
    found: _Annotations, placed: dict[str, GoldEntity], report: DocumentAccount
) -> list[RelationRecord]:
    relations = []
    for link in found.links:
        ends = [placed.get(found.triggers.get(i, i)) for i in link.ids]
        if ends[0] is None or ends[1] is None:
            report.annotation_skipped(
                "relation to an unknown or dropped mention",
                line=link.line,
                label=link.label,
                detail=f"{link.label} {link.ids[0]} -> {link.ids[1]}",
            )
            continue
        head, child = ((e.start, e.end, e.label) for e in ends if e is not None)
        relations.append(RelationRecord(link.label, head, child))
    return relations


def _format(fragments: list[tuple[int, int]]) -> str:
    return ";".join(f"{s}-{e}" for s, e in fragments)
