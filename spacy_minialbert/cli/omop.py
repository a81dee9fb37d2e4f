"""``spacy-minialbert annotate-omop``: notes from a file or an OMOP ``NOTE`` table, annotated into
JSONL (resumable, as ``annotate`` does) and then into an OMOP CDM v5.4 ``NOTE_NLP`` table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from . import note_options as options
from .app import app

if TYPE_CHECKING:
    from ..notes import NoteSource


@app.command("annotate-omop")
def annotate_omop_command(
    model: str = typer.Argument(..., help="Pipeline package name or directory."),
    output: Path = typer.Argument(..., help="JSONL to write (or resume), one record per note."),
    input_path: Path | None = typer.Option(
        None, "--input", help="Notes from a file or folder (as annotate's INPUT)."
    ),
    input_format: str | None = options.input_format_option(
        help="[--input] folder, text, csv, jsonl or mimic-iv (default: from the name)."
    ),
    db: str | None = typer.Option(
        None, "--db", help="Notes from this database (SQLAlchemy URL, e.g. sqlite:///cdm.db)."
    ),
    table: str | None = typer.Option(None, "--table", help="[--db] Table of notes (e.g. note)."),
    query: str | None = typer.Option(
        None, "--query", help="[--db] SQL query returning the id and text columns."
    ),
    schema: str | None = typer.Option(None, "--schema", help="[--db] Schema of --table."),
    id_column: str | None = options.id_column_option(
        help="Column (or JSON key) of the note id (NOTE: note_id)."
    ),
    text_column: str | None = options.text_column_option(
        help="Column (or JSON key) of the text (NOTE: note_text)."
    ),
    encoding: str = options.encoding_option(help="[--input] Encoding of the file."),
    note_nlp_db: str | None = typer.Option(
        None, "--note-nlp-db", help="Database to write NOTE_NLP into (default: --db)."
    ),
    note_nlp_table: str = typer.Option("note_nlp", "--note-nlp-table", help="NOTE_NLP table."),
    note_nlp_schema: str | None = typer.Option(
        None, "--note-nlp-schema", help="Schema of the NOTE_NLP table."
    ),
    concepts: Path | None = typer.Option(
        None, "--concepts", help="CSV kind,name,concept_id: labels and sections to concept ids."
    ),
    offset_columns: bool = typer.Option(
        False, "--offset-columns", help="Also integer offset_start/offset_end columns."
    ),
    bigint_ids: bool = typer.Option(
        False, "--bigint-ids", help="Create NOTE_NLP with bigint note_nlp_id and note_id."
    ),
    ids_per_note: int = typer.Option(
        1000, "--ids-per-note", help="note_nlp_id = note_id * this + entity ordinal."
    ),
    notes_per_transaction: int = typer.Option(
        100, "--notes-per-transaction", help="Notes written to NOTE_NLP per transaction."
    ),
    batch_size: int = options.batch_size_option(),
    n_process: int = options.N_PROCESS,
    context: bool = options.CONTEXT,
    progress: bool = options.PROGRESS,
    max_note_chars: int | None = options.MAX_NOTE_CHARS,
    note_seconds: float | None = options.NOTE_SECONDS,
    new_input: bool = options.NEW_INPUT,
) -> None:
    """Annotate notes into an OMOP CDM v5.4 NOTE_NLP table (created if missing).

    Notes come from --input FILE or from --db URL with --table or --query (an OMOP NOTE table:
    note_id, note_text). Records go to OUTPUT first (a re-run resumes it, as annotate does),
    then every record of OUTPUT is written to NOTE_NLP with stable ids, so a re-run after a
    crash adds no duplicate and loses no row.
    """

    from sqlalchemy import create_engine

    from ..annotate import PipelineSpec, annotate
    from ..notes import DatabaseNotes, InputOptions, detect_format
    from ..omop import (
        ConceptMap,
        TableSpec,
        WriteOptions,
        ensure_note_nlp,
        nlp_system_name,
        read_concept_map,
        read_records,
        with_texts,
        write_note_nlp,
    )

    target = note_nlp_db or db
    if target is None:
        raise ValueError("Say where NOTE_NLP goes with --note-nlp-db URL (or read with --db).")

    if (input_path is None) == (db is None):
        raise ValueError("Read notes from either --input FILE or --db URL (one of them).")
    if db is None and (table is not None or query is not None or schema is not None):
        raise ValueError("--table, --query and --schema go with --db.")
    if input_path is not None and (input_format or detect_format(input_path)) == "mimic-iv":
        # Refused before annotating, not after: NOTE_NLP.note_id is an integer.
        raise ValueError(
            f"{input_path}: MIMIC-IV-Note ids (10000032-DS-21) are not the integer note ids "
            "NOTE_NLP needs; load the file into a NOTE table with `spacy-minialbert load-notes` "
            "and annotate that with --db URL --table note."
        )
    reading = InputOptions(input_format, id_column, text_column, encoding)

    def open_source() -> NoteSource:
        if db is not None:
            return DatabaseNotes(
                db, table=table, query=query, schema=schema,
                id_column=id_column, text_column=text_column,
            )  # fmt: skip
        assert input_path is not None
        return reading.open(input_path)

    source = open_source()
    # Everything the write needs is checked before the notes are annotated: the options, the
    # concept map, the pipeline's name, the NOTE_NLP table (created here if missing).
    write_options = WriteOptions(
        nlp_system=nlp_system_name(_pipeline_meta(model)),
        table=TableSpec(note_nlp_table, note_nlp_schema, offset_columns, bigint_ids),
        ids_per_note=ids_per_note,
        notes_per_transaction=notes_per_transaction,
        concepts=read_concept_map(concepts) if concepts is not None else ConceptMap(),
    )
    engine = create_engine(target)
    try:
        if ensure_note_nlp(engine, write_options.table)[2]:
            typer.echo(f"Created the OMOP CDM v5.4 table {write_options.table.qualified}.")
        run = options.run_options(
            max_note_chars,
            note_seconds,
            batch_size=batch_size,
            n_process=n_process,
            progress=progress,
            new_input=new_input,
        )
        summary = annotate(PipelineSpec(model, add_context=context), source, output, run)
        typer.echo(summary.format())
        # The texts for the snippets come from a second pass over the input.
        pairs = with_texts(read_records(output), open_source().items())
        report = write_note_nlp(engine, pairs, write_options)
    finally:
        engine.dispose()
    typer.echo(report.format())


def _pipeline_meta(model: str) -> dict[str, Any]:
    """meta.json of a pipeline directory or installed package, without loading the pipeline."""
    import spacy.util

    path = Path(model)
    if not path.is_dir():
        path = spacy.util.get_package_path(model)
    found = path / "meta.json"
    if not found.exists():
        candidates = sorted(path.glob("*/meta.json"))
        if not candidates:
            raise ValueError(f"{model}: found no meta.json to name the pipeline in nlp_system.")
        found = candidates[0]
    return dict(spacy.util.load_meta(found))


@app.command("load-notes")
def load_notes_command(
    files: list[Path] = typer.Argument(
        ..., help="MIMIC-IV-Note files (discharge.csv.gz, radiology.csv.gz)."
    ),
    db: str = typer.Option(..., "--db", help="Database (SQLAlchemy URL, e.g. sqlite:///cdm.db)."),
    table: str = typer.Option("note", "--table", help="The OMOP NOTE table."),
    schema: str | None = typer.Option(None, "--schema", help="Schema of --table."),
) -> None:
    """Load MIMIC-IV-Note files into an OMOP CDM v5.4 NOTE table (created if missing), to
    annotate them with annotate-omop --db. Notes already there (by MIMIC note_id, kept as
    note_source_value) are not loaded twice; person_id is subject_id."""
    from sqlalchemy import create_engine

    from ..omop.note_table import load_mimic_iv_notes

    for path in files:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file.")
    engine = create_engine(db)
    try:
        report = load_mimic_iv_notes(engine, files, table_name=table, schema=schema)
    finally:
        engine.dispose()
    typer.echo(report.format())
