"""The ``spacy-minialbert`` command line. Each command lives in its own module and imports its
heavy dependencies inside the command, so ``--help`` stays fast."""

from __future__ import annotations

import sys

import typer

from .app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``spacy-minialbert`` script."""
    from . import commands  # noqa: F401  (registers the commands on `app`)

    try:
        app()
    except (ValueError, OSError) as error:
        # Bad input is the user's to fix: say what and where, without a traceback.
        typer.echo(f"Error: {error}", err=True)
        sys.exit(1)
