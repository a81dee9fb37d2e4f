"""``spacy-minialbert annotate`` and ``spacy-minialbert render``."""

from __future__ import annotations

from pathlib import Path

import typer

from . import app

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
    input_format: str | None = typer.Option(None, "--format", help=FORMAT_HELP),
    id_column: str | None = typer.Option(
        None, "--id-column", help="CSV column or JSON key of the note id (ROW_ID / id)."
    ),
    text_column: str | None = typer.Option(
        None, "--text-column", help="CSV column or JSON key of the text (TEXT / text)."
    ),
    encoding: str = typer.Option("utf-8", "--encoding", help="Encoding of the input."),
    keep_iserror: bool = typer.Option(
        False, "--keep-iserror", help="Annotate rows with ISERROR=1 too (skipped by default)."
    ),
    batch_size: int = typer.Option(
        32, "--batch-size", help="Notes per nlp.pipe batch and per write to disk."
    ),
    n_process: int = typer.Option(1, "--n-process", help="Worker processes."),
    entities_csv: Path | None = typer.Option(
        None, "--entities-csv", help="Also write one CSV row per entity here at the end."
    ),
    context: bool = typer.Option(
        True,
        "--context/--no-context",
        help="Add sentences, sectionizer and ConText when MODEL has no ConText.",
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
    max_note_chars: int | None = typer.Option(
        None,
        "--max-note-chars",
        help="A longer note is a failed record, not annotated (default 1,000,000; 0: no limit).",
    ),
    note_seconds: float | None = typer.Option(
        None,
        "--note-seconds",
        help="A note that takes longer is stopped, a failed record (default 300; 0: no limit).",
    ),
    new_input: bool = typer.Option(
        False,
        "--new-input",
        help="Resume OUTPUT from an input other than the one it was written from.",
    ),
    log_text: bool = typer.Option(
        False,
        "--log-text",
        help="Keep exception messages in failed records' details, though they may quote note "
        "text (by default no note text reaches the errors file, logs or summary).",
    ),
) -> None:
    """Annotate clinical notes: entities with ConText attributes and sections, and categories.

    Re-running with the same OUTPUT resumes: notes already in it are skipped (only from the
    same INPUT, unless --new-input). Failed records go to OUTPUT's .errors.jsonl with the reason
    (kept across runs); counts go to its .summary.json. One run at a time per OUTPUT.
    """
    from ..annotate import PipelineSpec, RunOptions, annotate, open_notes
    from ..annotate.limits import NoteLimits

    source = open_notes(
        input_path,
        input_format=input_format,
        id_column=id_column,
        text_column=text_column,
        encoding=encoding,
        keep_iserror=keep_iserror,
    )
    # Defaults from NoteLimits (not repeated here, so --help need not import spaCy); 0: no limit.
    limits = NoteLimits.from_options(max_note_chars, note_seconds)
    options = RunOptions(
        batch_size=batch_size,
        n_process=n_process,
        progress=progress,
        entities_csv=entities_csv,
        limits=limits,
        new_input=new_input,
        log_text=log_text,
        say=lambda line: typer.echo(line, err=True),
    )
    # The run loads the pipeline itself, once it holds OUTPUT: a refused OUTPUT (the input, or
    # in use by another run) is said at once, not after seconds of loading.
    summary = annotate(PipelineSpec(model, add_context=context), source, output, options)
    typer.echo(summary.format())


@app.command("render")
def render_command(
    model: str = typer.Argument(..., help="Pipeline package name or directory."),
    note: Path = typer.Argument(..., help="A note as a text file."),
    output: Path = typer.Argument(..., help="HTML file to write."),
    encoding: str = typer.Option("utf-8", "--encoding", help="Encoding of the note."),
    context: bool = typer.Option(
        True,
        "--context/--no-context",
        help="Add sentences, sectionizer and ConText when MODEL has no ConText.",
    ),
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
