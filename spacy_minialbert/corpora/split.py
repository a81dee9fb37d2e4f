"""Splitting a converted corpus into train and dev by group (patient, subject, text hash), so no
group is in both; deterministic for a given seed."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

from .extensions import doc_group
from .writers import write_docbin


@dataclass(frozen=True)
class SplitReport:
    train_docs: int
    train_groups: int
    dev_docs: int
    dev_groups: int
    train_left_out: int = 0  # documents beyond --max-train
    dev_left_out: int = 0

    def summary(self) -> str:
        def left(n: int) -> str:
            return f" ({n} more left out by the limit)" if n else ""

        train = f"train: {self.train_docs} docs in {self.train_groups} groups"
        dev = f"dev:   {self.dev_docs} docs in {self.dev_groups} groups"
        return f"{train}{left(self.train_left_out)}\n{dev}{left(self.dev_left_out)}"


def assign_dev_groups(sizes: Mapping[str, int], dev_fraction: float, seed: int) -> set[str]:
    """The groups that go to dev: groups in a seeded shuffle (of the sorted names, so input order
    does not matter), each taken when it brings the dev document count closer to
    ``dev_fraction`` of all documents. Both splits get at least one group."""
    _check_fraction(dev_fraction)
    if len(sizes) < 2:
        raise ValueError(f"Cannot split {len(sizes)} group(s) into train and dev; need 2 or more.")
    names = _shuffled(sizes, seed)
    target = dev_fraction * sum(sizes.values())
    dev: list[str] = []
    count = 0
    for name in names:
        if abs(count + sizes[name] - target) < abs(count - target):
            dev.append(name)
            count += sizes[name]
    if not dev:
        dev.append(names[0])
    if len(dev) == len(names):
        dev.pop()
    return set(dev)


def _check_fraction(dev_fraction: float) -> None:
    if not 0.0 < dev_fraction < 1.0:
        raise ValueError(f"dev_fraction must be between 0 and 1 (exclusive), got {dev_fraction}.")


def split_docs(
    docs: Sequence[Doc], dev_fraction: float = 0.2, seed: int = 0
) -> tuple[list[Doc], list[Doc]]:
    """(train, dev) documents, groups kept whole (see :func:`.extensions.doc_group`)."""
    groups = _groups(docs)
    dev_groups = assign_dev_groups(Counter(groups), dev_fraction, seed)
    train = [doc for doc, group in zip(docs, groups, strict=True) if group not in dev_groups]
    dev = [doc for doc, group in zip(docs, groups, strict=True) if group in dev_groups]
    return train, dev


def split_docbin(
    source: str | Path,
    train_path: str | Path,
    dev_path: str | Path,
    *,
    dev_fraction: float = 0.2,
    seed: int = 0,
    max_train: int | None = None,
    max_dev: int | None = None,
) -> SplitReport:
    """Split the ``.spacy`` file ``source`` into ``train_path`` and ``dev_path``.

    ``max_train``/``max_dev`` keep a seeded sample of whole groups of at most that many
    documents on each side (e.g. a quick run on part of a corpus); the report says how many
    documents the limit left out."""
    _check_fraction(dev_fraction)
    docs = list(DocBin().from_disk(source).get_docs(Vocab()))
    all_train, all_dev = split_docs(docs, dev_fraction, seed)
    train, dev = limit_groups(all_train, max_train, seed), limit_groups(all_dev, max_dev, seed)
    write_docbin(train, train_path)
    write_docbin(dev, dev_path)
    return SplitReport(
        train_docs=len(train),
        train_groups=len(set(_groups(train))),
        dev_docs=len(dev),
        dev_groups=len(set(_groups(dev))),
        train_left_out=len(all_train) - len(train),
        dev_left_out=len(all_dev) - len(dev),
    )


def limit_groups(docs: Sequence[Doc], max_docs: int | None, seed: int) -> list[Doc]:
    """At most ``max_docs`` documents, as whole groups taken in a seeded shuffle; the original
    order is kept. ``None`` keeps everything."""
    if max_docs is None or len(docs) <= max_docs:
        return list(docs)
    if max_docs < 1:
        raise ValueError(f"A document limit must be at least 1, got {max_docs}.")
    groups = _groups(docs)
    sizes = Counter(groups)
    kept: set[str] = set()
    count = 0
    for name in _shuffled(sizes, seed):
        if count + sizes[name] <= max_docs:
            kept.add(name)
            count += sizes[name]
    return [doc for doc, group in zip(docs, groups, strict=True) if group in kept]


def _groups(docs: Sequence[Doc]) -> list[str]:
    """Each document's group; one of its own (``#index``) for a document without."""
    return [doc_group(doc, fallback=f"#{index}") for index, doc in enumerate(docs)]


def _shuffled(sizes: Mapping[str, int], seed: int) -> list[str]:
    """The group names in a seeded shuffle of their sorted order (so input order does not
    matter)."""
    names = sorted(sizes)
    random.Random(seed).shuffle(names)
    return names
