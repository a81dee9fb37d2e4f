"""Keeping every transformer window within the model's maximum length.

spacy-transformers cuts documents into windows of spaCy tokens and, when a window has more
wordpieces than the model accepts, silently drops wordpieces from its end, so the tokens there
get no representation. Clinical notes make this common: runs of dashes, underscores or repeated
characters become hundreds of wordpieces. Here an oversized window is instead halved, by spaCy
tokens, until every piece fits; only a single spaCy token longer than the limit on its own can
still lose wordpieces, and that is logged with its position.
"""

from __future__ import annotations

import logging
from typing import Any

from spacy.tokens import Span

logger = logging.getLogger(__name__)


def wordpiece_length(tokenizer: Any, text: str) -> int:
    """Wordpieces of ``text`` including the special tokens the model adds."""
    # verbose=False: measuring an overlong text is the point here, not something to warn about.
    encoding = tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)
    return len(encoding["input_ids"])


def split_to_fit(span: Span, tokenizer: Any, max_length: int) -> list[Span]:
    """``span`` itself, or consecutive sub-spans that each fit in ``max_length`` wordpieces."""
    if wordpiece_length(tokenizer, span.text) <= max_length:
        return [span]
    if len(span) == 1:
        logger.warning(
            "Token %d of a document (%r...) alone has more than %d wordpieces; the model "
            "sees only its first %d.",
            span.start, span.text[:40], max_length, max_length,
        )  # fmt: skip
        return [span]
    middle = span.start + len(span) // 2
    doc = span.doc
    return split_to_fit(doc[span.start : middle], tokenizer, max_length) + split_to_fit(
        doc[middle : span.end], tokenizer, max_length
    )


def fit_windows(
    nested_spans: list[list[Span]], lengths: list[int], tokenizer: Any, max_length: int
) -> list[list[Span]] | None:
    """Re-windowed spans when any of ``lengths`` (wordpieces per flat span) exceeds
    ``max_length``; ``None`` when all windows already fit."""
    if not lengths or max(lengths) <= max_length:
        return None
    fitted: list[list[Span]] = []
    flat_index = 0
    for doc_spans in nested_spans:
        pieces: list[Span] = []
        for span in doc_spans:
            if lengths[flat_index] > max_length:
                pieces.extend(split_to_fit(span, tokenizer, max_length))
            else:
                pieces.append(span)
            flat_index += 1
        fitted.append(pieces)
    return fitted
