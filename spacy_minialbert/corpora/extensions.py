"""Where converted documents keep what spaCy has no attribute for, in ``doc.user_data`` (saved by
``DocBin(store_user_data=True)``), and getters that read it back.

Keys: ``"doc_id"``, ``"group"`` (what the splitter keeps together; absent when the document is its
own group), ``"source"`` (annotation file), ``"meta"`` (other columns, e.g. MIMIC's HADM_ID),
``"span_attributes"`` (``"start:end:label"`` -> the annotation's attributes, e.g. i2b2 2010's
``assertion``, brat's ``Reference``) and ``"relations"`` (``{"label", "head": [start, end, label],
"child": [...]}``, character offsets of spans in ``doc.spans["sc"]``)."""

from __future__ import annotations

from collections.abc import Mapping

from spacy.tokens import Doc, Span

DOC_ID = "doc_id"
GROUP = "group"
SOURCE = "source"
META = "meta"
SPAN_ATTRIBUTES = "span_attributes"
RELATIONS = "relations"


def span_key(start_char: int, end_char: int, label: str) -> str:
    return f"{start_char}:{end_char}:{label}"


def span_attributes(span: Span) -> Mapping[str, str]:
    """The source annotation's attributes of ``span`` (empty when it had none)."""
    table = span.doc.user_data.get(SPAN_ATTRIBUTES) or {}
    return table.get(span_key(span.start_char, span.end_char, span.label_), {})


def span_assertion(span: Span) -> str | None:
    """i2b2 2010 assertion of ``span`` (present, absent, possible, ...), None when not asserted."""
    return span_attributes(span).get("assertion")


def doc_group(doc: Doc, fallback: str) -> str:
    """The group a document belongs to: its stored group, else its id, else ``fallback``."""
    group = doc.user_data.get(GROUP) or doc.user_data.get(DOC_ID)
    return str(group) if group else fallback


def register_span_extensions() -> None:
    """Add ``span._.annotation`` (attributes) and ``span._.assertion`` getters. Explicit, not an
    import side effect; an extension of the same name registered by another package is left
    alone."""
    for name, getter in (("annotation", span_attributes), ("assertion", span_assertion)):
        if not Span.has_extension(name):
            Span.set_extension(name, getter=getter)
