"""The ``spacy-minialbert`` Typer app, on its own so that each command module registers itself
on it without importing the package that imports the commands (no cycle)."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="spacy-minialbert",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """MiniALBERT backbones for clinical spaCy pipelines."""
