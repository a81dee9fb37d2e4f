"""Scores of a pipeline on gold documents: overall and per label, with gold support."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from spacy.language import Language
from spacy.pipeline import TextCategorizer
from spacy.scorer import Scorer
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


class _TaskScorer(Scorer):
    """spaCy's scorer, with the classifiers scored over only the documents that have gold
    categories.

    Data for two tasks (NCBI-disease abstracts for ``ner``, MTSamples notes for ``textcat``) is
    scored in one run; spaCy's scorer skips documents without entity annotation but counts an
    exclusive classifier's answer on a document without gold categories as a false positive,
    which made the demo's classifier look 17 points worse than on its own notes."""

    def score(self, examples: Iterable[Example], *, per_component: bool = False) -> dict[str, Any]:
        examples = list(examples)
        with_cats = [example for example in examples if example.reference.cats] or examples
        results: dict[str, Any] = {}
        # Scorer.score's loop, each component scored once.
        for name, component in [("tokenizer", self.nlp.tokenizer), *self.nlp.pipeline]:
            if not hasattr(component, "score"):
                continue
            # textcat_multilabel's class derives from TextCategorizer.
            classifier = isinstance(component, TextCategorizer) and not per_component
            scores = component.score(with_cats if classifier else examples, **self.cfg)
            results.update({name: scores} if per_component else scores)
        return results


def score_pipeline(
    nlp: Language, examples: Sequence[Example], batch_size: int = 32
) -> PipelineScores:
    """Run ``nlp`` over the examples' texts and score entities (exact spans, per type) and
    categories (per label, threshold 0.5 for multi-label, argmax for exclusive; over the documents
    that have gold categories)."""
    started = time.perf_counter()
    raw = nlp.evaluate(examples, batch_size=batch_size, scorer=_TaskScorer(nlp=nlp))
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
