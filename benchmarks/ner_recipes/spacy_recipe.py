"""The project's recipe: ``spacy train`` on a shipped config in a subprocess, then
``model-best`` scored on the devel corpus with spaCy's scorer and with seqeval on the gold
documents' words."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass

import spacy
from spacy.scorer import Scorer
from spacy.tokens import Doc, DocBin
from spacy.training import Example

from .tags import EntityScores, bio_tags, entity_scores


@dataclass(frozen=True)
class SpacyRun:
    train_seconds: float
    words: EntityScores
    ents_p: float
    ents_r: float
    ents_f: float
    # What the run used, read back from model-best/config.cfg.
    setting: dict[str, object]


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


def run(arguments: argparse.Namespace) -> SpacyRun:
    """Train ``--config`` into ``OUTPUT/spacy`` with the command line's seed, step options and
    ``spacy train`` overrides."""
    output = arguments.output / "spacy"
    command = [
        sys.executable, "-m", "spacy", "train", str(arguments.config), "--output", str(output),
        "--paths.train", str(arguments.train), "--paths.dev", str(arguments.devel),
        "--paths.backbone", str(arguments.backbone), "--system.seed", str(arguments.seed),
    ]  # fmt: skip
    if arguments.spacy_max_steps is not None:
        # The linear decay must end at the last step, as the config's own pair does.
        steps = str(arguments.spacy_max_steps)
        command += ["--training.max_steps", steps]
        command += ["--training.optimizer.learn_rate.total_steps", steps]
    if arguments.spacy_eval_frequency is not None:
        command += ["--training.eval_frequency", str(arguments.spacy_eval_frequency)]
    command += arguments.spacy_overrides
    started = time.monotonic()
    result = subprocess.run(command, check=False)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"spacy train failed (exit {result.returncode}): {' '.join(command)}")
    nlp = spacy.load(output / "model-best")
    gold = list(DocBin().from_disk(arguments.devel).get_docs(nlp.vocab))
    # Unannotated copies of the gold documents with the same tokens, so both recipes predict
    # one tag per gold word.
    unannotated = [
        Doc(nlp.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
        for doc in gold
    ]
    examples = [
        Example(predicted, reference)
        for predicted, reference in zip(nlp.pipe(unannotated), gold, strict=True)
    ]
    scores = Scorer(nlp).score(examples)
    # spaCy gives None when neither gold nor prediction has an entity; nothing was found.
    ents = {key: float(scores[key] or 0.0) for key in ("ents_p", "ents_r", "ents_f")}
    return SpacyRun(
        train_seconds=round(seconds, 3),
        words=entity_scores(
            [bio_tags(example.reference) for example in examples],
            [bio_tags(example.predicted) for example in examples],
        ),
        **ents,
        setting=setting(nlp.config.interpolate()),
    )
