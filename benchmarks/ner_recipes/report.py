"""The results as JSON and as the markdown table of docs/benchmarks.md."""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from .hf_recipe import HfRun, HfSettings
from .spacy_recipe import SpacyRun


@dataclass
class Results:
    backbone: str
    train: str
    devel: str
    machine: dict[str, object]
    # Per corpus: whitespace tokens left out of both recipes' scores (tags.scored_words).
    left_out: dict[str, dict[str, int]] = field(default_factory=dict)
    hf_settings: HfSettings | None = None
    # Per corpus: documents cut at max_length, words lost to the cut or without wordpieces.
    encoding: dict[str, object] = field(default_factory=dict)
    hf_runs: list[HfRun] = field(default_factory=list)
    spacy_config: str | None = None
    spacy_overrides: list[str] = field(default_factory=list)
    spacy: SpacyRun | None = None

    def best_hf(self) -> HfRun | None:
        return max(self.hf_runs, key=lambda run: run.words.f1, default=None)

    def difference(self) -> float | None:
        """spaCy's word-level F1 minus the best learning rate's, in points."""
        best = self.best_hf()
        if best is None or self.spacy is None:
            return None
        return round((self.spacy.words.f1 - best.words.f1) * 100, 2)

    def to_json(self) -> dict[str, object]:
        best = self.best_hf()
        return {
            **asdict(self),
            "best_hf_learning_rate": None if best is None else best.learning_rate,
            "difference_points": self.difference(),
        }


def machine() -> dict[str, object]:
    return {
        "processor": platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


def _time(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _points(value: float) -> str:
    return f"{value * 100:.1f}"


def table(results: Results) -> str:
    """Entity F1 in points; the difference is each row's word-level F1 minus the best
    learning rate's."""
    best = results.best_hf()
    lines = [
        "| recipe | setting | devel entity F1 (seqeval) | spaCy ents_f | training time | "
        "difference |",
        "|---|---|---|---|---|---|",
    ]
    settings = results.hf_settings
    for run in results.hf_runs:
        assert settings is not None and best is not None
        setting = (
            f"lr {run.learning_rate:g}, {settings.epochs} epoch{'s' * (settings.epochs != 1)} "
            f"({run.steps} steps), batch "
            f"{settings.batch_size}, max_length {settings.max_length}"
        )
        difference = "best" if run is best else f"{(run.words.f1 - best.words.f1) * 100:+.1f}"
        lines.append(
            f"| Hugging Face (authors') | {setting} | {_points(run.words.f1)} | – | "
            f"{_time(run.train_seconds)} | {difference} |"
        )
    if results.spacy is not None:
        spacy_run = results.spacy
        used = spacy_run.setting
        batcher = used["batcher"]
        assert isinstance(batcher, dict)
        setting = (
            f"{Path(results.spacy_config or '').name}: {used['max_steps']} steps, lr "
            f"{used['learn_rate']:g}, windows {used['window']}/{used['stride']}, "
            f"{batcher.get('@batchers')} size {batcher.get('size')}"
        )
        gap = results.difference()
        lines.append(
            f"| spaCy | {setting} | {_points(spacy_run.words.f1)} | "
            f"{_points(spacy_run.ents_f)} | {_time(spacy_run.train_seconds)} | "
            f"{'–' if gap is None else f'{gap:+.1f}'} |"
        )
    return "\n".join(lines)
