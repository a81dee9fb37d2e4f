"""The shipped training configs keep every training document, however long.

spaCy's ``batch_by_padded`` batcher with ``discard_oversize = true`` drops, without a word, every
document longer than its ``size`` (2,000 tokens in our configs until this was fixed): a MIMIC-IV
discharge summary averages about 2,300 wordpieces, so a note classifier trained on them would have
lost about half its corpus. The transformer windows long documents anyway, so nothing needs
dropping."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import spacy
from confection import Config
from spacy.tokens import DocBin

from tests.support.pipelines import build_tiny_backbone

CONFIGS = Path(__file__).parents[2] / "configs"
SHIPPED = sorted(CONFIGS.rglob("*.cfg"))
TRAINING_CONFIGS = [
    path
    for path in SHIPPED
    if "batcher" in Config().from_disk(path, interpolate=False).get("training", {})
]
LONG_NOTE_TOKENS = 5_000

# What the test logger saw: spaCy's training loop reports the words it has trained on so far.
_seen: dict[str, int] = {}


@spacy.registry.loggers("tests.WordsSeenLogger.v1")
def words_seen_logger(
    progress_bar: Any = None, console_output: bool = True, output_file: Any = None
) -> Callable[..., Any]:
    # Takes (and ignores) the console logger's options, which the shipped configs set.
    def setup(nlp: Any, stdout: Any = None, stderr: Any = None) -> tuple[Callable, Callable]:
        def log_step(info: dict[str, Any] | None) -> None:
            if info is not None:
                _seen["words"] = max(_seen.get("words", 0), int(info["words"]))

        return log_step, lambda: None

    return setup


def test_every_shipped_training_config_is_found() -> None:
    names = {path.relative_to(CONFIGS).as_posix() for path in TRAINING_CONFIGS}
    assert {"ner.cfg", "textcat.cfg", "ner_textcat.cfg", "baselines/ner_cnn.cfg"} <= names


@pytest.mark.parametrize("path", TRAINING_CONFIGS, ids=lambda p: p.relative_to(CONFIGS).as_posix())
def test_no_shipped_config_discards_long_documents(path: Path) -> None:
    config = Config().from_disk(path, interpolate=False)
    batcher = config["training"]["batcher"]
    assert batcher.get("discard_oversize", False) is False, (
        f"{path.name}: training.batcher.discard_oversize drops every document longer than "
        f"{batcher.get('size')} tokens without a word"
    )
    for name in ("train", "dev"):
        reader = config["corpora"][name]
        assert reader.get("max_length", 0) == 0, (
            f"{path.name}: corpora.{name}.max_length drops docs"
        )


def _corpus(path: Path, nlp: spacy.Language) -> tuple[Path, int]:
    """A short note and a note of LONG_NOTE_TOKENS tokens, both with entities and a class."""
    short = nlp.make_doc("history of asthma , given aspirin .")
    short.ents = [short.char_span(11, 17, label="PROBLEM")]
    words = ("the patient denies chest pain today . " * (LONG_NOTE_TOKENS // 7 + 1)).split()
    long = nlp.make_doc(" ".join(words[:LONG_NOTE_TOKENS]))
    assert len(long) >= LONG_NOTE_TOKENS
    long.ents = [long.char_span(19, 29, label="PROBLEM")]
    for doc, label in ((short, "RESPIRATORY"), (long, "CARDIAC")):
        doc.cats = {
            "RESPIRATORY": float(label == "RESPIRATORY"),
            "CARDIAC": float(label == "CARDIAC"),
        }
    DocBin(docs=[short, long]).to_disk(path)
    return path, len(short) + len(long)


@pytest.mark.parametrize("name", ["ner.cfg", "ner_textcat.cfg", "demo_ner.cfg"])
def test_training_uses_a_5000_token_note(name: str, tmp_path: Path) -> None:
    from spacy.cli.train import train

    backbone = build_tiny_backbone(tmp_path / "backbone")
    corpus, total_words = _corpus(tmp_path / "train.spacy", spacy.blank("en"))
    _seen.clear()
    train(
        CONFIGS / name,
        tmp_path / "out",
        overrides={
            "paths.train": str(corpus),
            "paths.dev": str(corpus),
            "paths.backbone": str(backbone),
            "components.transformer.model.get_spans.window": 32,
            "components.transformer.model.get_spans.stride": 24,
            "training.max_steps": 2,
            "training.eval_frequency": 2,
            "training.optimizer.learn_rate.warmup_steps": 1,
            "training.optimizer.learn_rate.total_steps": 2,
            "training.logger.@loggers": "tests.WordsSeenLogger.v1",
        },
    )
    # The long note is a batch of its own; dropped, the run would have seen a few dozen words.
    assert _seen["words"] >= LONG_NOTE_TOKENS, (_seen, total_words)
