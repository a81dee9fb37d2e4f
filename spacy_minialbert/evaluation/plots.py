"""Charts people would rather look at than read: per-label scores and training curves."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers

import matplotlib.pyplot as plt

from .scores import LabelScore, PipelineScores


def plot_per_label(scores: PipelineScores, path: Path) -> None:
    """Horizontal bars of precision, recall and F1 for every entity label and category."""
    candidates = (("Entities", scores.ents_per_label), ("Categories", scores.cats_per_label))
    panels = [(title, per) for title, per in candidates if per]
    if not panels:
        raise ValueError("No entity or category scores to plot.")
    heights = [max(2.0, 0.45 * len(per) + 1.2) for _, per in panels]
    figure, _ = plt.subplots(
        len(panels), 1, figsize=(9, sum(heights)), gridspec_kw={"height_ratios": heights}
    )
    for axis, (title, per) in zip(list(figure.axes), panels, strict=True):
        _bars(axis, title, per)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _bars(axis: plt.Axes, title: str, per: dict[str, LabelScore]) -> None:
    labels = sorted(per, key=lambda label: per[label].support)
    width = 0.27
    for offset, (name, color) in enumerate(
        (("precision", "#8da0cb"), ("recall", "#fc8d62"), ("f1", "#66c2a5"))
    ):
        values = [getattr(per[label], name) * 100 for label in labels]
        positions = [i + (offset - 1) * width for i in range(len(labels))]
        axis.barh(positions, values, height=width, label=name, color=color)
    axis.set_yticks(range(len(labels)))
    axis.set_yticklabels([f"{label} (n={per[label].support})" for label in labels], fontsize=8)
    axis.set_xlim(0, 100)
    axis.set_xlabel("score (%)")
    axis.set_title(title)
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    axis.grid(axis="x", alpha=0.3)


def plot_training(log_path: Path, path: Path) -> None:
    """Losses and the dev score against steps, from spaCy's JSONL training log
    (``spacy.ConsoleLogger.v3`` with ``output_file``)."""
    rows = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    if not rows:
        raise ValueError(f"{log_path} holds no training log rows.")
    steps = [row["step"] for row in rows]
    figure, (loss_axis, score_axis) = plt.subplots(1, 2, figsize=(11, 4))
    for component in rows[0]["losses"]:
        loss_axis.plot(steps, [row["losses"].get(component, 0.0) for row in rows], label=component)
    loss_axis.set_title("Training loss (sum since last evaluation)")
    loss_axis.set_xlabel("step")
    loss_axis.set_yscale("symlog")
    loss_axis.legend(fontsize=8)
    for name in rows[0]["scores"]:
        if name == "speed":
            continue
        score_axis.plot(steps, [row["scores"].get(name, 0.0) for row in rows], label=name)
    score_axis.plot(steps, [row["score"] * 100 for row in rows], "k--", label="score")
    score_axis.set_title("Dev scores")
    score_axis.set_xlabel("step")
    score_axis.set_ylim(0, 100)
    score_axis.legend(fontsize=8)
    for axis in (loss_axis, score_axis):
        axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
