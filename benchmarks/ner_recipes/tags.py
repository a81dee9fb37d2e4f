"""Word-level BIO tags from spaCy documents and seqeval's entity scores on them: the one
metric both recipes are scored by."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from seqeval.metrics import f1_score, precision_score, recall_score
from spacy.tokens import Doc


def scored_words(doc: Doc) -> list[str]:
    """The words both recipes are scored on: every token but spaCy's whitespace tokens (a
    double space, a line break), which have no wordpiece and so no prediction in the Hugging
    Face recipe. Leaving them out of both sides keeps an entity with a double space inside
    one entity, and every entity starts with ``B-``, so none merges with another."""
    return [token.text for token in doc if not token.is_space]


def bio_tags(doc: Doc) -> list[str]:
    """One BIO tag per word of :func:`scored_words` from ``doc.ents`` (a token outside every
    entity, or of unknown annotation, is ``O``)."""
    return [
        f"{token.ent_iob_}-{token.ent_type_}" if token.ent_iob_ in ("B", "I") else "O"
        for token in doc
        if not token.is_space
    ]


def space_tokens(docs: Sequence[Doc]) -> dict[str, int]:
    """The whitespace tokens left out of scoring, and how many lay inside a gold entity."""
    spaces = [token for doc in docs for token in doc if token.is_space]
    return {
        "space_tokens": len(spaces),
        "space_tokens_in_entities": sum(token.ent_iob_ in ("B", "I") for token in spaces),
    }


def tag_set(docs: Sequence[Doc]) -> list[str]:
    """``O`` then ``B-``/``I-`` of every entity label in ``docs``, sorted: the head's labels."""
    labels = sorted({entity.label_ for doc in docs for entity in doc.ents})
    return ["O"] + [f"{prefix}-{label}" for label in labels for prefix in ("B", "I")]


@dataclass(frozen=True)
class EntityScores:
    """seqeval's entity-level precision, recall and F1 (default mode, as conlleval)."""

    precision: float
    recall: float
    f1: float


def entity_scores(gold: list[list[str]], predicted: list[list[str]]) -> EntityScores:
    """*Shape:* one tag list per document, the same lengths in ``gold`` and ``predicted``."""
    for index, (expected, found) in enumerate(zip(gold, predicted, strict=True)):
        if len(expected) != len(found):
            raise ValueError(
                f"Document {index}: {len(found)} predicted tags for {len(expected)} gold ones; "
                "both recipes must be scored on the gold document's words."
            )
    # zero_division=0: no predicted entity scores 0 without a warning, as in spaCy's scorer.
    return EntityScores(
        precision=float(precision_score(gold, predicted, zero_division=0)),
        recall=float(recall_score(gold, predicted, zero_division=0)),
        f1=float(f1_score(gold, predicted, zero_division=0)),
    )
