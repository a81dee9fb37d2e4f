"""Records to spaCy ``Doc`` objects: tokenise, place every entity on tokens, choose ``doc.ents``
among overlapping mentions, keep everything else where it survives ``DocBin``.

Rules, each application reported to the account:

- Whitespace at either end of a mention is trimmed ("surrounding whitespace trimmed").
- Character offsets go to tokens with ``doc.char_span(alignment_mode="strict")``. When a boundary
  falls inside a token the ``misaligned`` policy applies ("misaligned to tokens"): ``expand``
  (default) to the tokens it touches, ``contract`` to the tokens wholly inside it, ``drop``.
- Overlapping mentions: ``doc.ents`` keeps spaCy's ``filter_spans`` choice (the longest in tokens
  wins; among equal lengths the earliest, then the first annotated); the others are dropped from
  ``doc.ents`` ("overlaps a kept entity", or "duplicate annotation" for the same span and label)
  but every placed mention stays in ``doc.spans["sc"]``, so nothing is lost for a span categoriser.
- Extra span groups of the record (``"fragments"``) are placed the same way (``expand``).
- ``doc.cats`` are the record's classes; ids, group, attributes and relations go to
  ``doc.user_data`` (see :mod:`.extensions`).

Placing an entity costs time in its own length (and a binary search for its tokens), never in the
document's: spaCy builds ``Doc.text`` anew on every access, so the record's text (checked equal
once) is what entities are read from. A 113,000-token document with 10,000 entities would
otherwise take tens of minutes (the time grew 15-fold for 4 times the lines)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from spacy.tokens import Doc, Span

from .account import Account, DocumentAccount
from .extensions import DOC_ID, GROUP, META, RELATIONS, SOURCE, SPAN_ATTRIBUTES, span_key
from .labels import LabelMap
from .records import DocumentRecord, GoldEntity, Issue

MISALIGNED_POLICIES = ("expand", "contract", "drop")
ALL_SPANS = "sc"
OVERLAP = "overlaps a kept entity"
DUPLICATE = "duplicate annotation"


def record_to_doc(
    record: DocumentRecord,
    make_doc: Callable[[str], Doc],
    account: Account,
    *,
    label_map: LabelMap | None = None,
    misaligned: str = "expand",
) -> Doc:
    """The ``Doc`` of ``record``, tokenised by ``make_doc`` (e.g. ``nlp.make_doc``)."""
    if misaligned not in MISALIGNED_POLICIES:
        raise ValueError(f"misaligned must be one of {MISALIGNED_POLICIES}, got {misaligned!r}.")
    doc = make_doc(record.text)
    if doc.text != record.text:
        raise ValueError(
            f"{record.source}: the tokenizer changed the text of {record.doc_id!r}; entity "
            "offsets would shift (a tokenizer must keep the text exactly)."
        )
    report = DocumentAccount(account, record.source, record.doc_id)
    placed: list[tuple[GoldEntity, Span]] = []  # (entity with every repair noted, span)
    for entity in record.entities:
        found = _placed_entity(doc, entity, record.text, report, label_map, misaligned)
        if found is not None:
            placed.append(found)
    if not record.annotates_entities and record.entities:
        raise ValueError(
            f"{record.source}: document {record.doc_id!r} is marked as having no entity "
            f"annotation but carries {len(record.entities)} entities."
        )
    kept = _choose_ents(placed, report)
    if record.annotates_entities:
        doc.ents = sorted(kept, key=lambda span: span.start)
    # else: entity tags stay missing (spaCy's "" IOB), neither entity nor "outside".
    doc.spans[ALL_SPANS] = _unique_spans(span for _, span in placed)
    for key, fragments in record.spans.items():
        doc.spans[key] = _extra_spans(doc, key, fragments, record.text, report, label_map)
    for key, group in doc.spans.items():
        if len(group):
            account.spans[key] += len(group)
    doc.cats = dict(record.cats)
    _store_user_data(doc, record, placed, report)
    account.document_converted(record.cats)
    return doc


def _placed_entity(
    doc: Doc,
    entity: GoldEntity,
    doc_text: str,
    report: DocumentAccount,
    label_map: LabelMap | None,
    misaligned: str,
) -> tuple[GoldEntity, Span] | None:
    """``entity`` (its repairs added to ``changes``) on tokens, with the label map and the
    alignment rules applied; None (dropped, reported) when it cannot be placed."""
    label = label_map(entity.label) if label_map is not None else entity.label
    if label is None:
        detail = f"the label map drops {entity.label!r}"
        report.entity_dropped(entity, "label mapped out", detail)
        return None
    span, issues, failure = align(doc, entity.start, entity.end, label, misaligned, doc_text)
    changed = replace(entity, changes=(*entity.changes, *issues))
    if span is None:
        report.entity_dropped(changed, failure.reason, failure.detail)
        return None
    return changed, span


def align(
    doc: Doc, start: int, end: int, label: str, misaligned: str, doc_text: str
) -> tuple[Span | None, list[Issue], Issue]:
    """(span, repairs made, why it failed) for characters ``start:end`` of ``doc``, whose text is
    ``doc_text``: spaCy builds ``doc.text`` on every access, so reading it per entity makes
    placing a document's entities quadratic in its length."""
    text = doc_text[start:end]
    if not text.strip():
        return None, [], Issue("empty or whitespace span", f"{start}-{end} is {text!r}")
    issues = []
    trimmed_start = start + len(text) - len(text.lstrip())
    trimmed_end = end - (len(text) - len(text.rstrip()))
    if (trimmed_start, trimmed_end) != (start, end):
        issues.append(
            Issue(
                "surrounding whitespace trimmed",
                f"{start}-{end} {text!r} -> {trimmed_start}-{trimmed_end}",
            )
        )
        start, end = trimmed_start, trimmed_end
    span = doc.char_span(start, end, label=label, alignment_mode="strict")
    if span is not None:
        return span, issues, Issue("")
    tokens = _tokens_around(doc, start, end)
    if misaligned == "drop":
        return None, issues, Issue("misaligned to tokens", f"{start}-{end} in tokens {tokens}")
    span = doc.char_span(start, end, label=label, alignment_mode=misaligned)
    if span is None or not span.text.strip():
        detail = f"{start}-{end} has no whole token inside ({tokens})"
        return None, issues, Issue("misaligned to tokens", detail)
    verb = "expanded" if misaligned == "expand" else "contracted"
    detail = (
        f"{start}-{end} {doc_text[start:end]!r} {verb} to {span.start_char}-{span.end_char} "
        f"{span.text!r}"
    )
    return span, [*issues, Issue("misaligned to tokens", detail)], Issue("")


def _tokens_around(doc: Doc, start: int, end: int) -> str:
    covering = doc.char_span(start, end, alignment_mode="expand")
    return repr([token.text for token in covering]) if covering is not None else "none"


def _choose_ents(placed: list[tuple[GoldEntity, Span]], report: DocumentAccount) -> list[Span]:
    """The non-overlapping spans for ``doc.ents`` (``filter_spans``'s order); each mention's
    outcome is reported in annotation order."""
    order = sorted(range(len(placed)), key=lambda i: (-len(placed[i][1]), placed[i][1].start, i))
    taken: dict[int, Span] = {}  # token index -> the kept span covering it
    blocked_by: dict[int, Span] = {}
    for index in order:
        span = placed[index][1]
        blocking = next((taken[i] for i in range(span.start, span.end) if i in taken), None)
        if blocking is None:
            taken.update((i, span) for i in range(span.start, span.end))
        else:
            blocked_by[index] = blocking
    kept = []
    for index, (entity, span) in enumerate(placed):
        blocking = blocked_by.get(index)
        if blocking is None:
            kept.append(span)
            report.account.entity_kept(
                entity, span.label_, entity.changes, file=report.file, doc_id=report.doc_id
            )
            continue
        same = (blocking.start, blocking.end, blocking.label) == (span.start, span.end, span.label)
        report.entity_dropped(
            entity,
            DUPLICATE if same else OVERLAP,
            f"kept {blocking.label_} {blocking.text!r} "
            f"{blocking.start_char}-{blocking.end_char}; this one stays in doc.spans['sc']",
        )
    return kept


def _unique_spans(spans: Iterable[Span]) -> list[Span]:
    seen: dict[tuple[int, int, int], Span] = {}
    for span in spans:
        seen.setdefault((span.start, span.end, span.label), span)
    return sorted(seen.values(), key=lambda span: (span.start, span.end, span.label_))


def _extra_spans(
    doc: Doc,
    key: str,
    records: list[GoldEntity],
    doc_text: str,
    report: DocumentAccount,
    label_map: LabelMap | None,
) -> list[Span]:
    spans = []
    for fragment in records:
        label = label_map(fragment.label) if label_map is not None else fragment.label
        if label is None:
            continue  # its mention was dropped by the label map, which is reported there
        span, issues, failure = align(doc, fragment.start, fragment.end, label, "expand", doc_text)
        for issue in issues:
            report.note(f"{key}: {issue.reason}", line=fragment.line, detail=issue.detail)
        if span is None:
            report.annotation_skipped(
                f"{key}: {failure.reason}", line=fragment.line, label=label, detail=failure.detail
            )
        else:
            spans.append(span)
    return _unique_spans(spans)


def _store_user_data(
    doc: Doc, record: DocumentRecord, placed: list[tuple[GoldEntity, Span]], report: DocumentAccount
) -> None:
    doc.user_data[DOC_ID] = record.doc_id
    doc.user_data[SOURCE] = record.source
    if record.group is not None:
        doc.user_data[GROUP] = record.group
    if record.meta:
        doc.user_data[META] = dict(record.meta)
    attributes = {
        span_key(span.start_char, span.end_char, span.label_): dict(entity.attributes)
        for entity, span in placed
        if entity.attributes
    }
    if attributes:
        doc.user_data[SPAN_ATTRIBUTES] = attributes
    # Relations name their ends by the record's offsets; map them to where the spans landed.
    where = {(e.start, e.end, e.label): (s.start_char, s.end_char, s.label_) for e, s in placed}
    relations = []
    for relation in record.relations:
        head, child = where.get(relation.head), where.get(relation.child)
        if head is None or child is None:
            report.annotation_skipped(
                "relation to a dropped entity",
                label=relation.label,
                detail=f"{relation.label} {relation.head} -> {relation.child}",
            )
            continue
        relations.append({"label": relation.label, "head": list(head), "child": list(child)})
    if relations:
        doc.user_data[RELATIONS] = relations
        report.account.relations += len(relations)
