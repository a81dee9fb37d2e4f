"""The MiniALBERT authors' NER recipe in a plain torch loop (``transformers.Trainer`` would
need ``accelerate``): ``MiniAlbertForTokenClassification`` on the backbone, AdamW, a linear
schedule without warm-up, gradient norm clipped at 1.0 (Trainer's default), shuffled batches,
no model selection: the model after the last epoch is scored."""

from __future__ import annotations

import time
from dataclasses import dataclass
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

from .encoding import Encoded, encode, first_piece_tags, with_labels
from .tags import EntityScores, bio_tags, entity_scores, scored_words, tag_set


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
