"""``spacy-minialbert evaluate``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .app import app

if TYPE_CHECKING:
    from ..evaluation.scores import PipelineScores


@app.command("evaluate")
def evaluate_command(
    model: str = typer.Argument(..., help="Pipeline directory or installed package name."),
    data: Path = typer.Argument(..., help="Gold documents (.spacy file or folder of them)."),
    output: Path = typer.Argument(..., help="Directory for scores.json and the charts."),
    training_log: Path | None = typer.Option(
        None, "--training-log", help="spaCy JSONL training log, for the training-curve chart."
    ),
    baselines: list[str] | None = typer.Option(
        None,
        "--baseline",
        help="NAME=scores.json of another pipeline scored on the same data (e.g. a bag-of-words "
        "classifier), printed next to this one (repeatable).",
    ),
    samples: int = typer.Option(10, help="Documents shown in predictions.html."),
    batch_size: int = typer.Option(32),
) -> None:
    """Score a pipeline per label and write scores.json, per_label.png, predictions.html and,
    given the training log, training.png."""
    import spacy
    from spacy.training import Corpus

    from ..evaluation.plots import plot_per_label, plot_training
    from ..evaluation.predictions import render_predictions
    from ..evaluation.scores import score_pipeline

    others = _read_baselines(baselines or [])
    nlp = spacy.load(model)
    examples = list(Corpus(data)(nlp))
    if not examples:
        raise ValueError(f"{data} holds no documents.")
    scores = score_pipeline(nlp, examples, batch_size=batch_size)
    output.mkdir(parents=True, exist_ok=True)
    import srsly

    srsly.write_json(output / "scores.json", scores.to_dict())
    plot_per_label(scores, output / "per_label.png")
    render_predictions(nlp, examples, output / "predictions.html", max_docs=samples)
    if training_log is not None:
        plot_training(training_log, output / "training.png")
    _print(scores, output)
    if others:
        _print_comparison(model, scores.to_dict(), others)


def _read_baselines(given: list[str]) -> dict[str, dict]:
    """``NAME=scores.json`` options, read before the (slow) scoring so a typo fails at once."""
    import srsly

    found: dict[str, dict] = {}
    for item in given:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise typer.BadParameter(
                f"{item!r}: give NAME=path/to/scores.json", param_hint="--baseline"
            )
        if not Path(path).is_file():
            raise typer.BadParameter(f"{path}: no such scores file", param_hint="--baseline")
        found[name] = dict(srsly.read_json(path))
    return found


def _print_comparison(model: str, ours: dict, others: dict[str, dict]) -> None:
    """Overall entity F1 and category macro F1/AUC side by side (blank where a pipeline has no
    such component)."""
    from rich.console import Console
    from rich.table import Table

    rows = (
        ("entities F1", "ents", "f1"),
        ("categories macro F1", "cats", "f1"),
        ("categories macro AUC", "cats", "auc"),
    )
    columns = {model: ours, **others}
    table = Table(title="Against the baselines (same data)")
    table.add_column("score")
    for name in columns:
        table.add_column(name, justify="right")
    for label, group, key in rows:
        values = [(scores.get(group) or {}).get(key) for scores in columns.values()]
        if all(value is None for value in values):
            continue
        table.add_row(label, *("" if v is None else f"{v * 100:.1f}" for v in values))
    Console().print(table)


def _print(scores: PipelineScores, output: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{scores.n_docs} documents, {scores.words_per_second:,.0f} words/s")
    for column in ("label", "P", "R", "F1", "n"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for kind, overall, per in (
        ("entities", scores.ents, scores.ents_per_label),
        ("categories (macro)", scores.cats, scores.cats_per_label),
    ):
        if not overall:
            continue
        table.add_row(
            f"[bold]{kind}", *(f"{overall[k] * 100:.1f}" for k in ("precision", "recall", "f1")), ""
        )
        for label, score in sorted(per.items(), key=lambda item: -item[1].support):
            table.add_row(
                f"  {label}", f"{score.precision * 100:.1f}", f"{score.recall * 100:.1f}",
                f"{score.f1 * 100:.1f}", str(score.support),
            )  # fmt: skip
    Console().print(table)
    typer.echo(f"Wrote {output}/scores.json, per_label.png, predictions.html")
