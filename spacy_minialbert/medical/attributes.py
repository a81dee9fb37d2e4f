"""Reading what ConText and the sectionizer put on a doc, as plain values.

medspaCy's extensions exist only after medspaCy was imported and its components ran; these
readers return the neutral value (False, None, empty) where they are missing, so a pipeline
without the clinical components still yields well-formed records.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

# Record field -> medspaCy span attribute set by ConText (and by the sectionizer for sections
# such as family history).
CONTEXT_FLAGS = {
    "negated": "is_negated",
    "hypothetical": "is_hypothetical",
    "historical": "is_historical",
    "family": "is_family",
    "uncertain": "is_uncertain",
}


@dataclass(frozen=True)
class Modifier:
    """A ConText modifier of an entity: its category (``NEGATED_EXISTENCE``, ``FAMILY``, ...)
    and where its trigger phrase is, as character offsets."""

    category: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class SectionInfo:
    """A section: category (``family_history``; None before the first header), title and
    whole-section character offsets."""

    category: str | None
    title: str
    start: int
    end: int
    title_start: int
    title_end: int


def context_flags(span: Span) -> dict[str, bool]:
    """``{"negated": ..., "hypothetical": ..., ...}`` for an entity."""
    return {
        field: bool(span._.get(attr)) if Span.has_extension(attr) else False
        for field, attr in CONTEXT_FLAGS.items()
    }


def modifiers(span: Span) -> list[Modifier]:
    """The ConText modifiers that apply to an entity, in text order."""
    if not Span.has_extension("modifiers"):
        return []
    found = []
    for modifier in span._.modifiers:
        start, end = modifier.modifier_span
        trigger = span.doc[start:end]
        found.append(
            Modifier(modifier.category, trigger.text, trigger.start_char, trigger.end_char)
        )
    return sorted(found, key=lambda modifier: modifier.start)


def section_category(span: Span) -> str | None:
    """The category of the section the entity starts in, or None."""
    if not Token.has_extension("section") or span.start >= len(span.doc):
        return None
    section = span.doc[span.start]._.section
    return None if section is None else section.category


def sections(doc: Doc) -> list[SectionInfo]:
    """The doc's sections as the sectionizer found them (empty without a sectionizer)."""
    if not Doc.has_extension("sections"):
        return []
    found = []
    for section in doc._.sections:
        title_start, title_end = section.title_span
        whole = doc[title_start : section.body_span[1]]
        title = doc[title_start:title_end]
        if not len(whole):
            continue
        found.append(
            SectionInfo(
                category=section.category,
                title=title.text,
                start=whole.start_char,
                end=whole.end_char,
                title_start=title.start_char if len(title) else whole.start_char,
                title_end=title.end_char if len(title) else whole.start_char,
            )
        )
    return found
