"""The options of the commands that annotate notes (``annotate``, ``annotate-spark``,
``annotate-omop``), each declared once here, and the settings objects they are gathered into:
:class:`~spacy_minialbert.notes.InputOptions` (how to read the input),
:class:`~spacy_minialbert.annotate.limits.NoteLimits` (the per-note guards) and the local run's
:class:`~spacy_minialbert.annotate.RunOptions`.

An option whose help is the same for every command is a constant; one whose help says something
of its own command (which formats it reads, which columns are the defaults) is made by a
``partial`` or function the command gives that help. Nothing here imports spaCy or Spark:
``--help`` stays fast."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from ..annotate import RunOptions

# What to read.

input_format_option = partial(typer.Option, None, "--format")
id_column_option = partial(typer.Option, None, "--id-column")
text_column_option = partial(typer.Option, None, "--text-column")
encoding_option = partial(typer.Option, "utf-8", "--encoding")

KEEP_ISERROR: Any = typer.Option(
    False, "--keep-iserror", help="Annotate rows with ISERROR=1 too (skipped by default)."
)

# The pipeline and how it runs.

CONTEXT: Any = typer.Option(
    True,
    "--context/--no-context",
    help="Add sentences, sectionizer and ConText when MODEL has no ConText.",
)

batch_size_option = partial(typer.Option, 32, "--batch-size", help="Notes per nlp.pipe batch.")
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
    max_note_chars: int | None, note_seconds: float | None, **settings: Any
) -> RunOptions:
    """The local run's options (``settings``: more fields of :class:`RunOptions`), its limits from
    ``--max-note-chars`` and ``--note-seconds`` (:meth:`NoteLimits.from_options`); what it did to
    the pipeline (ConText added) goes to stderr."""
    from ..annotate import RunOptions
    from ..annotate.limits import NoteLimits

    limits = NoteLimits.from_options(max_note_chars, note_seconds)
    return RunOptions(limits=limits, say=lambda line: typer.echo(line, err=True), **settings)
