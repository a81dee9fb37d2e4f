"""The MiniALBERT authors' NER recipe in a plain torch loop (``transformers.Trainer`` would
need ``accelerate``): ``MiniAlbertForTokenClassification`` on the backbone, AdamW, a linear
schedule without warm-up, gradient norm clipped at 1.0 (Trainer's default), shuffled batches,
no model selection: the model after the last epoch is scored.

Gold words go to wordpieces as the authors' script does: the backbone's fast tokenizer on
pre-split words, cut at ``max_length``, and every wordpiece of a word given that word's tag
(``B-`` on every piece of a ``B-`` word, not only the first)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from spacy.tokens import Doc
from torch.utils.data import DataLoader
from transformers import (
    AutoTokenizer,
    DataCollatorForTokenClassification,
    get_scheduler,
    set_seed,
)

from spacy_minialbert.hf import MiniAlbertForTokenClassification

from .tags import EntityScores, bio_tags, entity_scores, scored_words, tag_set

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


@dataclass(frozen=True)
class HfSettings:
    epochs: int = 3
    batch_size: int = 16
    max_length: int = 512
    # The authors' script (nlpie-research/MiniALBERT, NER) passes weight_decay=0.01.
    weight_decay: float = 0.01
    schedule: str = "linear"
    seed: int = 0
    device: str = "cpu"


@dataclass(frozen=True)
class HfRun:
    learning_rate: float
    steps: int
    train_seconds: float
    words: EntityScores
    # The authors' own scoring: every labelled wordpiece a position of the tag sequence.
    wordpieces: EntityScores


@dataclass(frozen=True)
class HfData:
    tokenizer: Any
    tags: list[str]
    train: Encoded
    devel: Encoded
    devel_tags: list[list[str]]


def prepare(backbone: Path, train: list[Doc], devel: list[Doc], settings: HfSettings) -> HfData:
    """Tokenize both corpora once; every learning rate trains on the same features."""
    tokenizer = AutoTokenizer.from_pretrained(str(backbone), use_fast=True)
    if not tokenizer.is_fast:
        raise SystemExit(f"{backbone}: no fast tokenizer; word alignment needs tokenizer.json.")
    tags = tag_set(train)
    if len(tags) == 1:
        raise SystemExit("The train corpus has no entities: there is nothing to learn.")
    encoded = []
    for docs in (train, devel):
        words = [scored_words(doc) for doc in docs]
        encoded.append(
            encode(tokenizer, words, [bio_tags(doc) for doc in docs], settings.max_length)
        )
    return HfData(tokenizer, tags, encoded[0], encoded[1], [bio_tags(doc) for doc in devel])


def build_model(backbone: Path, tags: list[str], settings: HfSettings) -> torch.nn.Module:
    model = MiniAlbertForTokenClassification.from_pretrained(
        str(backbone),
        num_labels=len(tags),
        id2label=dict(enumerate(tags)),
        label2id={tag: index for index, tag in enumerate(tags)},
    )
    limit = model.config.max_position_embeddings
    if settings.max_length > limit:
        raise SystemExit(
            f"{backbone}: max_length {settings.max_length} is over the backbone's "
            f"{limit} positions."
        )
    return model.to(settings.device)


def optimizer_for(model: torch.nn.Module, rate: float, weight_decay: float) -> torch.optim.AdamW:
    """AdamW; as in Trainer, biases and LayerNorm weights (the 1-D parameters) get no decay."""
    parameters = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in parameters if p.ndim > 1], "weight_decay": weight_decay},
        {"params": [p for p in parameters if p.ndim <= 1], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=rate)


def train(model: torch.nn.Module, data: HfData, rate: float, settings: HfSettings) -> int:
    """``settings.epochs`` epochs over the train corpus; returns the number of updates."""
    label2id = {tag: index for index, tag in enumerate(data.tags)}
    features = with_labels(data.train, label2id)
    loader: DataLoader[dict[str, list[int]]] = DataLoader(
        features,  # type: ignore[arg-type]
        batch_size=settings.batch_size,
        shuffle=True,
        collate_fn=DataCollatorForTokenClassification(data.tokenizer),
        generator=torch.Generator().manual_seed(settings.seed),
    )
    steps = settings.epochs * len(loader)
    optimizer = optimizer_for(model, rate, settings.weight_decay)
    scheduler = get_scheduler(settings.schedule, optimizer, 0, steps)
    model.train()
    started = time.monotonic()
    for epoch in range(1, settings.epochs + 1):
        total = 0.0
        for batch in loader:
            loss = model(**{key: value.to(settings.device) for key, value in batch.items()}).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            total += loss.item()
        # Runs take hours on CPU: one line per epoch shows they move.
        print(
            f"lr {rate:g} epoch {epoch}/{settings.epochs}: mean loss {total / len(loader):.4f}, "
            f"{time.monotonic() - started:.0f} s",
            flush=True,
        )
    return steps


@torch.no_grad()
def predict(
    model: torch.nn.Module, data: HfData, settings: HfSettings
) -> tuple[list[list[str]], list[list[str]]]:
    """Per devel document: each word's tag from its first wordpiece (``O`` for a word without
    one), and the tag of every wordpiece that belongs to a word."""
    model.eval()
    collate = DataCollatorForTokenClassification(data.tokenizer)
    words, pieces = [], []
    encoded = data.devel
    for start in range(0, len(encoded.features), settings.batch_size):
        batch = collate(encoded.features[start : start + settings.batch_size])
        logits = model(**{key: value.to(settings.device) for key, value in batch.items()}).logits
        for offset, best in enumerate(logits.argmax(-1).tolist()):
            index = start + offset
            word_ids = encoded.word_ids[index]
            # The collator pads to the batch's longest document; padding has no word.
            tags = [data.tags[label] for label in best[: len(word_ids)]]
            words.append(first_piece_tags(word_ids, tags, len(data.devel_tags[index])))
            pieces.append([tag for tag, w in zip(tags, word_ids, strict=True) if w is not None])
    return words, pieces


def run(backbone: Path, data: HfData, rate: float, settings: HfSettings) -> HfRun:
    """Fine-tune a fresh head and backbone at ``rate`` and score the devel corpus."""
    set_seed(settings.seed)
    model = build_model(backbone, data.tags, settings)
    started = time.monotonic()
    steps = train(model, data, rate, settings)
    seconds = time.monotonic() - started
    word_tags, piece_tags = predict(model, data, settings)
    gold_pieces = [
        [tag for tag, w in zip(tags, word_ids, strict=True) if w is not None]
        for tags, word_ids in zip(data.devel.piece_tags, data.devel.word_ids, strict=True)
    ]
    return HfRun(
        learning_rate=rate,
        steps=steps,
        train_seconds=round(seconds, 3),
        words=entity_scores(data.devel_tags, word_tags),
        wordpieces=entity_scores(gold_pieces, piece_tags),
    )
