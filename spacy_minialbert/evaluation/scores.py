"""Scores of a pipeline on gold documents: overall and per label, with gold support."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from spacy.language import Language
from spacy.training import Example


@dataclass
class LabelScore:
    precision: float
    recall: float
    f1: float
    support: int  # gold instances (entities, or documents labelled with the category)


@dataclass
class PipelineScores:
    n_docs: int
    words_per_second: float
    ents: dict[str, float] = field(default_factory=dict)  # precision, recall, f1
    ents_per_label: dict[str, LabelScore] = field(default_factory=dict)
    cats: dict[str, float] = field(default_factory=dict)  # macro precision/recall/f1, auc
    cats_per_label: dict[str, LabelScore] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_pipeline(
    nlp: Language, examples: Sequence[Example], batch_size: int = 32
) -> PipelineScores:
    """Run ``nlp`` over the examples' texts and score entities (exact spans, per type) and
    categories (per label, threshold 0.5 for multi-label, argmax for exclusive)."""
    started = time.perf_counter()
    raw = nlp.evaluate(examples, batch_size=batch_size)
    elapsed = time.perf_counter() - started
    n_words = sum(len(example.reference) for example in examples)
    scores = PipelineScores(n_docs=len(examples), words_per_second=n_words / max(elapsed, 1e-9))
    entity_support = Counter(e.label_ for ex in examples for e in ex.reference.ents)
    if raw.get("ents_f") is not None:
        scores.ents = {k: float(raw[f"ents_{k[0]}"]) for k in ("precision", "recall", "f1")}
        for label, per in (raw.get("ents_per_type") or {}).items():
            scores.ents_per_label[label] = LabelScore(
                per["p"], per["r"], per["f"], entity_support.get(label, 0)
            )
    category_support = Counter(
        label for ex in examples for label, value in ex.reference.cats.items() if value >= 0.5
    )
    if raw.get("cats_macro_f") is not None:
        scores.cats = {
            "precision": float(raw["cats_macro_p"]),
            "recall": float(raw["cats_macro_r"]),
            "f1": float(raw["cats_macro_f"]),
            "auc": float(raw.get("cats_macro_auc") or 0.0),
        }
        for label, per in (raw.get("cats_f_per_type") or {}).items():
            scores.cats_per_label[label] = LabelScore(
                per["p"], per["r"], per["f"], category_support.get(label, 0)
            )
    return scores
