"""Keeping every transformer window within the model's maximum length.

spacy-transformers cuts documents into windows of spaCy tokens and, when a window has more
wordpieces than the model accepts, silently drops wordpieces from its end, so the tokens there
get no representation. Clinical notes make this common: runs of dashes, underscores or repeated
characters become hundreds of wordpieces. Here an oversized window is instead halved, by spaCy
tokens, until every piece fits; only a single spaCy token longer than the limit on its own can
still lose wordpieces. Each such token is listed, with its character offsets and how many of its
wordpieces the model saw, in ``doc._.truncated_tokens``, and logged with its offsets only: a log
line never holds note text.

Windows are tokenized already cut to the limit (the Hugging Face tokenizer's own truncation,
which keeps the closing special token), never padded to the longest window: one 50,000-character
``=====`` line would otherwise pad every window of its batch to 50,000 wordpieces, and a batch of
32 notes holding one such line took a minute instead of two seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc, Span
from spacy_transformers.align import get_token_positions
from thinc.types import Ragged
from transformers import PreTrainedTokenizerFast

logger = logging.getLogger(__name__)

# Tokenizers without a real limit report a huge model_max_length (int(1e30)).
NO_LIMIT = 1_000_000_000


def wordpiece_length(tokenizer: Any, text: str) -> int:
    """Wordpieces of ``text`` including the special tokens the model adds."""
    # verbose=False: measuring an overlong text is the point here, not something to warn about.
    encoding = tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)
    return len(encoding["input_ids"])


def tokenize_windows(tokenizer: Any, texts: list[str], max_length: int) -> Any:
    """spacy-transformers' ``huggingface_tokenize``, with every window cut to ``max_length``
    wordpieces by the tokenizer, so the batch is padded to at most ``max_length``."""
    limit = max_length < NO_LIMIT
    token_data = tokenizer(
        texts,
        add_special_tokens=True,
        return_attention_mask=True,
        return_offsets_mapping=isinstance(tokenizer, PreTrainedTokenizerFast),
        return_tensors="np",
        return_token_type_ids=None,  # the model's default
        padding="longest",
        truncation=limit,
        max_length=max_length if limit else None,
    )
    token_data["input_texts"] = [
        tokenizer.convert_ids_to_tokens(ids) for ids in token_data["input_ids"]
    ]
    token_data["pad_token"] = tokenizer.pad_token
    return token_data


@dataclass
class Fitted:
    """Windows that fit, and the single tokens that cannot: ``overlong`` maps ``(doc, token
    index)`` to the token's wordpieces (without the model's special tokens)."""

    spans: list[list[Span]]
    overlong: dict[tuple[Doc, int], int] = field(default_factory=dict)
    # Tokens measured on their own (overlong or not), so overlapping windows measure them once.
    measured: set[tuple[Doc, int]] = field(default_factory=set)


# A character is at most 4 UTF-8 bytes, so at most 4 wordpieces even for byte-level tokenizers.
MAX_WORDPIECES_PER_CHARACTER = 4


def isolate_overlong(span: Span, tokenizer: Any, max_length: int, fitted: Fitted) -> list[Span]:
    """``span`` cut around its tokens that alone exceed ``max_length`` wordpieces (each one a
    span of its own, noted in ``fitted.overlong``). Only tokens long enough to possibly exceed
    are measured, each once: halving a window around a 50,000-character token would otherwise
    tokenize that token again at every level."""
    special = tokenizer.num_special_tokens_to_add(pair=False)
    doc = span.doc
    parts: list[Span] = []
    start = span.start
    for token in span:
        if len(token.text) * MAX_WORDPIECES_PER_CHARACTER + special <= max_length:
            continue
        key = (doc, token.i)
        if key not in fitted.measured:
            fitted.measured.add(key)
            length = wordpiece_length(tokenizer, token.text)
            if length > max_length:
                fitted.overlong[key] = length - special
        if key in fitted.overlong:
            if token.i > start:
                parts.append(doc[start : token.i])
            parts.append(doc[token.i : token.i + 1])
            start = token.i + 1
    if start < span.end:
        parts.append(doc[start : span.end])
    return parts


def split_to_fit(span: Span, tokenizer: Any, max_length: int, fitted: Fitted) -> list[Span]:
    """``span`` itself, or consecutive sub-spans that each fit in ``max_length`` wordpieces.
    ``span`` comes from :func:`isolate_overlong`, so a single token either fits or is already
    in ``fitted.overlong``."""
    if len(span) == 1 or wordpiece_length(tokenizer, span.text) <= max_length:
        return [span]
    middle = span.start + len(span) // 2
    doc = span.doc
    return split_to_fit(doc[span.start : middle], tokenizer, max_length, fitted) + split_to_fit(
        doc[middle : span.end], tokenizer, max_length, fitted
    )


def fit_windows(
    nested_spans: list[list[Span]], lengths: list[int], tokenizer: Any, max_length: int
) -> Fitted | None:
    """Re-windowed spans when any of ``lengths`` (wordpieces per flat span) exceeds
    ``max_length``; ``None`` when all windows already fit."""
    if not lengths or max(lengths) <= max_length:
        return None
    fitted = Fitted([])
    flat_lengths = iter(lengths)
    for doc_spans in nested_spans:
        pieces: list[Span] = []
        for span in doc_spans:
            if next(flat_lengths) > max_length:
                for part in isolate_overlong(span, tokenizer, max_length, fitted):
                    pieces.extend(split_to_fit(part, tokenizer, max_length, fitted))
            else:
                pieces.append(span)
        fitted.spans.append(pieces)
    return fitted


def truncated_tokens(
    flat_spans: Sequence[Span], overlong: dict[tuple[Doc, int], int], align: Ragged, width: int
) -> dict[Doc, list[dict[str, int]]]:
    """For each doc, its ``overlong`` tokens as the model saw them in the windows ``flat_spans``
    (padded to ``width`` wordpieces, aligned by ``align``): the token's index, character
    ``start`` and ``end``, its ``wordpieces`` and how many the window ``kept``. A token in
    several overlapping windows is listed once."""
    if not overlong:
        return {}
    positions = get_token_positions(list(flat_spans))
    found: dict[Doc, dict[int, dict[str, int]]] = {}
    for row, span in enumerate(flat_spans):
        if len(span) != 1 or (span.doc, span.start) not in overlong:
            continue
        token = span[0]
        indices = align[positions[token]].dataXd.ravel()
        kept = int(((indices // width) == row).sum())  # its wordpieces in this window
        found.setdefault(span.doc, {})[token.i] = {
            "token": token.i,
            "start": token.idx,
            "end": token.idx + len(token),
            "wordpieces": overlong[(span.doc, span.start)],
            "kept": kept,
        }
    return {doc: [tokens[i] for i in sorted(tokens)] for doc, tokens in found.items()}


def record_truncations(docs: Sequence[Doc], truncations: dict[Doc, list[dict[str, int]]]) -> None:
    """Set ``doc._.truncated_tokens`` on every doc of the batch (an empty list when nothing was
    cut) and log each cut token by its offsets, never its text."""
    for doc in docs:
        cut = truncations.get(doc, [])
        doc._.truncated_tokens = cut
        for entry in cut:
            logger.warning(
                "A token at characters %d-%d of a document has %d wordpieces, more than the "
                "model's maximum length allows: the model sees %d of them "
                "(doc._.truncated_tokens lists it).",
                entry["start"], entry["end"], entry["wordpieces"], entry["kept"],
            )  # fmt: skip
