"""Gold words to wordpieces as the MiniALBERT authors' NER script does: the backbone's fast
tokenizer on pre-split words, cut at ``max_length``, and every wordpiece of a word given that
word's tag (``B-`` on every piece of a ``B-`` word, not only the first)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

IGNORED = -100  # CrossEntropyLoss's ignore_index: [CLS], [SEP] and padding get no loss


@dataclass
class EncodingCounts:
    """What the cut at ``max_length`` and the tokenizer cost, so that nothing goes unreported."""

    documents: int = 0
    truncated_documents: int = 0
    words: int = 0
    # Words that lost every wordpiece to the cut; they are predicted ``O``.
    words_cut: int = 0
    entity_words_cut: int = 0
    # Words the tokenizer gives no wordpiece at all (whitespace is left out before; this
    # counts what else it drops, e.g. control characters); they are predicted ``O`` too.
    words_without_pieces: int = 0
    entity_words_without_pieces: int = 0
    longest_wordpieces: int = 0


@dataclass
class Encoded:
    """One feature dict per document for ``DataCollatorForTokenClassification``, and the word
    each position came from (``None`` for special tokens)."""

    features: list[dict[str, list[int]]]
    word_ids: list[list[int | None]]
    piece_tags: list[list[str]]
    counts: EncodingCounts = field(default_factory=EncodingCounts)


def encode(
    tokenizer: Any, words: list[list[str]], tags: list[list[str]], max_length: int
) -> Encoded:
    """Wordpieces of each document cut at ``max_length`` (special tokens included), each
    labelled with its word's tag in ``piece_tags``."""
    # `verbose=False`: the length warning is about the untruncated pass, counted below.
    full = tokenizer(words, is_split_into_words=True, truncation=False, verbose=False)
    cut = tokenizer(words, is_split_into_words=True, truncation=True, max_length=max_length)
    encoded = Encoded([], [], [])
    counts = encoded.counts
    for index, (doc_words, doc_tags) in enumerate(zip(words, tags, strict=True)):
        word_ids = cut.word_ids(batch_index=index)
        kept, pieced = set(word_ids), set(full.word_ids(batch_index=index))
        counts.documents += 1
        counts.words += len(doc_words)
        counts.longest_wordpieces = max(counts.longest_wordpieces, len(full["input_ids"][index]))
        counts.truncated_documents += len(full["input_ids"][index]) > max_length
        for word, tag in enumerate(doc_tags):
            if word not in pieced:
                counts.words_without_pieces += 1
                counts.entity_words_without_pieces += tag != "O"
            elif word not in kept:
                counts.words_cut += 1
                counts.entity_words_cut += tag != "O"
        encoded.word_ids.append(word_ids)
        encoded.piece_tags.append(["O" if w is None else doc_tags[w] for w in word_ids])
        encoded.features.append({key: list(cut[key][index]) for key in cut})
    return encoded


def with_labels(encoded: Encoded, label2id: dict[str, int]) -> list[dict[str, list[int]]]:
    """The features with ``labels``: each wordpiece its word's tag id, special tokens ignored."""
    labelled = []
    for features, word_ids, piece_tags in zip(
        encoded.features, encoded.word_ids, encoded.piece_tags, strict=True
    ):
        labels = [
            IGNORED if word is None else label2id[tag]
            for word, tag in zip(word_ids, piece_tags, strict=True)
        ]
        labelled.append({**features, "labels": labels})
    return labelled


def first_piece_tags(word_ids: list[int | None], piece_tags: list[str], words: int) -> list[str]:
    """Each word's tag from its first wordpiece; ``O`` for a word without one (cut at
    ``max_length``, or no wordpiece at all)."""
    first: dict[int, str] = {}
    for word, tag in zip(word_ids, piece_tags, strict=True):
        if word is not None:
            first.setdefault(word, tag)
    return [first.get(word, "O") for word in range(words)]
