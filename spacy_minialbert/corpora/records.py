"""Typed records every corpus reader yields: a document's text, its annotated entities (character
offsets into that text) and its text classes, before any tokenisation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Issue:
    """Why a reader or the converter altered an annotation: a fixed ``reason`` (what the account
    counts by) and a free ``detail`` (what exactly happened)."""

    reason: str
    detail: str = ""


@dataclass(frozen=True)
class GoldEntity:
    """One annotated mention: ``text[start:end]`` (0-based, end exclusive) labelled ``label``.

    ``text`` is the surface the annotation gave, ``line`` the 1-based line of the annotation in its
    file (None where the format has no lines), ``changes`` what the reader had to alter to place it
    (empty when it was placed exactly as annotated)."""

    start: int
    end: int
    label: str
    text: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    line: int | None = None
    changes: tuple[Issue, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(
                f"Entity offsets must satisfy 0 <= start <= end, got {self.start}-{self.end} "
                f"for {self.label} {self.text!r}."
            )


@dataclass(frozen=True)
class RelationRecord:
    """A typed link from ``head`` to ``child``, both given as (start, end, label) of entities."""

    label: str
    head: tuple[int, int, str]
    child: tuple[int, int, str]


@dataclass
class DocumentRecord:
    """One document of a corpus.

    ``group`` is what the train/dev splitter keeps together (a patient, a subject, a text hash);
    None means the document is its own group. ``spans`` holds extra span groups that are not
    entities (e.g. ``"fragments"`` of discontinuous mentions). ``source`` names the file the
    annotations came from, for the account.

    ``annotates_entities`` is False for corpora that label documents only (MTSamples, MIMIC note
    categories): their tokens' entity tags stay *missing* rather than "outside", so a pipeline
    trained on them together with an NER corpus does not learn that their (many) disease,
    drug and procedure mentions are not entities."""

    doc_id: str
    text: str
    source: str
    entities: list[GoldEntity] = field(default_factory=list)
    cats: dict[str, float] = field(default_factory=dict)
    spans: dict[str, list[GoldEntity]] = field(default_factory=dict)
    relations: list[RelationRecord] = field(default_factory=list)
    group: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    annotates_entities: bool = True
