"""``spacy-minialbert annotate`` and ``spacy-minialbert render``."""

from __future__ import annotations

from pathlib import Path

import typer

from . import note_options as options
from .app import app

FORMAT_HELP = (
    "folder, text, csv, jsonl or mimic-iv (default: from INPUT: a directory, .txt[.gz] of "
    "blank-line separated notes, .csv[.gz], .jsonl[.gz]; MIMIC-IV-Note's "
    "discharge/radiology.csv[.gz] by name)."
)


@app.command("annotate")
def annotate_command(
    model: str = typer.Argument(..., help="Pipeline package name or directory."),
    input_path: Path = typer.Argument(
        ...,
        metavar="INPUT",
        help="Folder of .txt notes, text file of blank-line separated notes, NOTEEVENTS-style "
        "CSV, JSONL, or MIMIC-IV-Note CSV.",
    ),
    output: Path = typer.Argument(..., help="JSONL to write (or resume), one record per note."),
    input_format: str | None = options.input_format_option(help=FORMAT_HELP),
    id_column: str | None = options.id_column_option(
        help="CSV column or JSON key of the note id (ROW_ID / id)."
    ),
    text_column: str | None = options.text_column_option(
        help="CSV column or JSON key of the text (TEXT / text)."
    ),
    encoding: str = options.encoding_option(help="Encoding of the input."),
    keep_iserror: bool = options.KEEP_ISERROR,
    batch_size: int = options.batch_size_option(
        help="Notes per nlp.pipe batch and per write to disk."
    ),
    n_process: int = options.N_PROCESS,
    entities_csv: Path | None = typer.Option(
        None, "--entities-csv", help="Also write one CSV row per entity here at the end."
    ),
    context: bool = options.CONTEXT,
    progress: bool = options.PROGRESS,
    max_note_chars: int | None = options.MAX_NOTE_CHARS,
    note_seconds: float | None = options.NOTE_SECONDS,
    new_input: bool = options.NEW_INPUT,
    log_text: bool = options.log_text_option("the errors file, logs or summary"),
) -> None:
    """Annotate clinical notes: entities with ConText attributes and sections, and categories.

    Re-running with the same OUTPUT resumes: notes already in it are skipped (only from the
    same INPUT, unless --new-input). Failed records go to OUTPUT's .errors.jsonl with the reason
    (kept across runs); counts go to its .summary.json. One run at a time per OUTPUT.
    """
    from ..annotate import PipelineSpec, annotate
    from ..notes import InputOptions

    reading = InputOptions(input_format, id_column, text_column, encoding, keep_iserror)
    source = reading.open(input_path)
    run = options.run_options(
        max_note_chars,
        note_seconds,
        batch_size=batch_size,
        n_process=n_process,
        progress=progress,
        new_input=new_input,
        log_text=log_text,
        entities_csv=entities_csv,
    )
    # The run loads the pipeline itself, once it holds OUTPUT: a refused OUTPUT (the input, or
    # in use by another run) is said at once, not after seconds of loading.
    summary = annotate(PipelineSpec(model, add_context=context), source, output, run)
    typer.echo(summary.format())


@app.command("render")
def render_command(
    model: str = typer.Argument(..., help="Pipeline package name or directory."),
    note: Path = typer.Argument(..., help="A note as a text file."),
    output: Path = typer.Argument(..., help="HTML file to write."),
    encoding: str = options.encoding_option(help="Encoding of the note."),
    context: bool = options.CONTEXT,
) -> None:
    """Show one note as HTML (displaCy): entities with their ConText attributes, the modifiers,
    section titles, and a table of every entity."""
    from ..annotate import PipelineSpec, load_pipeline, render_note

    try:
        text = note.read_bytes().decode(encoding)
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{note}: byte {error.start} is not {encoding} ({error.reason})."
        ) from error
    nlp, added = load_pipeline(PipelineSpec(model, add_context=context))
    if added:
        typer.echo(added, err=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_note(nlp, text, title=note.name), encoding="utf-8")
    typer.echo(f"Wrote {output}.")
