"""The project's recipe: ``spacy train`` on a shipped config in a subprocess, then
``model-best`` scored on the devel corpus with spaCy's scorer and with seqeval on the gold
documents' words."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.scorer import Scorer
from spacy.tokens import Doc, DocBin
from spacy.training import Example

from .tags import EntityScores, bio_tags, entity_scores


@dataclass(frozen=True)
class SpacySettings:
    config: Path
    seed: int = 0
    max_steps: int | None = None
    eval_frequency: int | None = None
    overrides: tuple[str, ...] = ()  # more `spacy train` arguments, e.g. `--a.b value`


@dataclass(frozen=True)
class SpacyRun:
    train_seconds: float
    words: EntityScores
    ents_p: float
    ents_r: float
    ents_f: float
    # What the run used, read back from model-best/config.cfg.
    setting: dict[str, object]


def command(
    backbone: Path, train: Path, dev: Path, output: Path, settings: SpacySettings
) -> list[str]:
    arguments = [
        sys.executable, "-m", "spacy", "train", str(settings.config), "--output", str(output),
        "--paths.train", str(train), "--paths.dev", str(dev), "--paths.backbone", str(backbone),
        "--system.seed", str(settings.seed),
    ]  # fmt: skip
    if settings.max_steps is not None:
        # The linear decay must end at the last step, as the config's own pair does.
        steps = str(settings.max_steps)
        arguments += ["--training.max_steps", steps]
        arguments += ["--training.optimizer.learn_rate.total_steps", steps]
    if settings.eval_frequency is not None:
        arguments += ["--training.eval_frequency", str(settings.eval_frequency)]
    return arguments + list(settings.overrides)


def setting(config: dict) -> dict[str, object]:
    """The settings that tell this run from another, from a resolved-on-disk config."""
    training = config["training"]
    spans = config["components"]["transformer"]["model"]["get_spans"]
    rate = training["optimizer"]["learn_rate"]
    # A schedule is a block (warmup_linear.v1: initial_rate); a constant rate a number.
    schedule = rate if isinstance(rate, dict) else {"initial_rate": rate}
    return {
        "max_steps": training["max_steps"],
        "eval_frequency": training["eval_frequency"],
        "learn_rate": schedule.get("initial_rate"),
        "warmup_steps": schedule.get("warmup_steps"),
        "batcher": {k: v for k, v in training["batcher"].items() if k != "get_length"},
        "window": spans.get("window"),
        "stride": spans.get("stride"),
    }


def word_docs(nlp: spacy.Language, gold: list[Doc]) -> list[Doc]:
    """Unannotated copies of the gold documents with the same tokens, so both recipes predict
    one tag per gold word."""
    return [
        Doc(nlp.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
        for doc in gold
    ]


def run(backbone: Path, train: Path, dev: Path, output: Path, settings: SpacySettings) -> SpacyRun:
    arguments = command(backbone, train, dev, output, settings)
    started = time.monotonic()
    result = subprocess.run(arguments, check=False)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"spacy train failed (exit {result.returncode}): {' '.join(arguments)}")
    nlp = spacy.load(output / "model-best")
    gold = list(DocBin().from_disk(dev).get_docs(nlp.vocab))
    examples = [
        Example(predicted, reference)
        for predicted, reference in zip(nlp.pipe(word_docs(nlp, gold)), gold, strict=True)
    ]
    scores = Scorer(nlp).score(examples)
    gold_tags = [bio_tags(example.reference) for example in examples]
    return SpacyRun(
        train_seconds=round(seconds, 3),
        words=entity_scores(gold_tags, [bio_tags(example.predicted) for example in examples]),
        ents_p=_score(scores, "ents_p"),
        ents_r=_score(scores, "ents_r"),
        ents_f=_score(scores, "ents_f"),
        setting=setting(nlp.config.interpolate()),
    )


def _score(scores: dict, key: str) -> float:
    # spaCy gives None when neither gold nor prediction has an entity; nothing was found.
    value = scores[key]
    return 0.0 if value is None else float(value)
