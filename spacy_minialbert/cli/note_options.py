"""The options of the commands that annotate notes (``annotate``, ``annotate-spark``,
``annotate-omop``), each declared once here, and the settings objects they are gathered into:
:class:`~spacy_minialbert.notes.InputOptions` (how to read the input),
:class:`~spacy_minialbert.annotate.limits.NoteLimits` (the per-note guards) and the local run's
:class:`~spacy_minialbert.annotate.RunOptions`.

An option whose help is the same for every command is a constant; one whose help says something
of its own command (which formats it reads, which columns are the defaults) is made by a
function given that help. Nothing here imports spaCy or Spark: ``--help`` stays fast."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from ..annotate import RunOptions

# What to read.


def input_format_option(help: str) -> Any:
    return typer.Option(None, "--format", help=help)


def id_column_option(help: str) -> Any:
    return typer.Option(None, "--id-column", help=help)


def text_column_option(help: str) -> Any:
    return typer.Option(None, "--text-column", help=help)


def encoding_option(help: str) -> Any:
    return typer.Option("utf-8", "--encoding", help=help)


KEEP_ISERROR: Any = typer.Option(
    False, "--keep-iserror", help="Annotate rows with ISERROR=1 too (skipped by default)."
)

# The pipeline and how it runs.

CONTEXT: Any = typer.Option(
    True,
    "--context/--no-context",
    help="Add sentences, sectionizer and ConText when MODEL has no ConText.",
)


def batch_size_option(help: str = "Notes per nlp.pipe batch.") -> Any:
    return typer.Option(32, "--batch-size", help=help)


N_PROCESS: Any = typer.Option(1, "--n-process", help="Worker processes.")
PROGRESS: Any = typer.Option(True, "--progress/--no-progress", help="Show a progress bar.")

# The per-note limits (NoteLimits.from_options: None keeps the default, 0 means no limit; the
# defaults are not repeated here, so --help need not import spaCy).

MAX_NOTE_CHARS: Any = typer.Option(
    None,
    "--max-note-chars",
    help="A longer note is a failed record, not annotated (default 1,000,000; 0: no limit).",
)
NOTE_SECONDS: Any = typer.Option(
    None,
    "--note-seconds",
    help="A note that takes longer is stopped, a failed record (default 300; 0: no limit).",
)

# The output.

NEW_INPUT: Any = typer.Option(
    False,
    "--new-input",
    help="Resume OUTPUT from an input other than the one it was written from.",
)


def log_text_option(kept_from: str) -> Any:
    """``kept_from``: where note text is kept out of by default (the engine's outputs)."""
    return typer.Option(
        False,
        "--log-text",
        help="Keep exception messages in failed records' details, though they may quote note "
        f"text (by default no note text reaches {kept_from}).",
    )


def run_options(
    max_note_chars: int | None,
    note_seconds: float | None,
    *,
    batch_size: int,
    n_process: int,
    progress: bool,
    new_input: bool,
    log_text: bool = False,
    entities_csv: Path | None = None,
) -> RunOptions:
    """The local run's options, its limits from ``--max-note-chars`` and ``--note-seconds``
    (:meth:`NoteLimits.from_options`); what it did to the pipeline (ConText added) goes to
    stderr."""
    from ..annotate import RunOptions
    from ..annotate.limits import NoteLimits

    return RunOptions(
        batch_size=batch_size,
        n_process=n_process,
        progress=progress,
        entities_csv=entities_csv,
        limits=NoteLimits.from_options(max_note_chars, note_seconds),
        new_input=new_input,
        log_text=log_text,
        say=lambda line: typer.echo(line, err=True),
    )
