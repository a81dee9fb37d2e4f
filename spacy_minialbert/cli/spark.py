"""``spacy-minialbert annotate-spark``: annotate notes on Spark (see :mod:`..spark.job`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from . import note_options as options
from .app import app

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

FORMAT_HELP = "csv, jsonl, parquet or table (default: from INPUT's name; a folder is Parquet)."


@app.command("annotate-spark")
def annotate_spark_command(
    model: str = typer.Argument(
        ..., help="Pipeline package installed on the executors, or a pipeline directory (shipped)."
    ),
    input_path: str = typer.Argument(
        ..., metavar="INPUT", help="CSV(.gz), JSONL(.gz), Parquet file or folder, or a table."
    ),
    output: str = typer.Argument(
        ..., help="Folder to write (or resume): notes/ and entities/ Parquet, errors, summary."
    ),
    master: str = typer.Option("local[*]", "--master", help="Spark master URL."),
    input_format: str | None = options.input_format_option(help=FORMAT_HELP),
    id_column: str | None = options.id_column_option(
        help="Column of the note id (ROW_ID for CSV, else id)."
    ),
    text_column: str | None = options.text_column_option(
        help="Column of the text (TEXT for CSV, else text)."
    ),
    encoding: str = options.encoding_option(help="Encoding of CSV/JSONL input."),
    keep_iserror: bool = options.KEEP_ISERROR,
    batch_size: int = options.batch_size_option(),
    max_batch_chars: int = typer.Option(
        200_000, "--max-batch-chars", help="Characters per nlp.pipe batch at most (long notes)."
    ),
    parts: int | None = typer.Option(
        None, "--parts", help="Parts of equal text length (tasks); default from --part-chars."
    ),
    part_chars: int = typer.Option(
        8_000_000, "--part-chars", help="Characters per part when --parts is not given."
    ),
    parts_per_job: int | None = typer.Option(
        None, "--parts-per-job", help="Parts committed together (default: the cores)."
    ),
    code: Path | None = typer.Option(
        None, "--code", help="Python file with custom components, shipped and imported first."
    ),
    context: bool = options.CONTEXT,
    max_note_chars: int | None = options.MAX_NOTE_CHARS,
    note_seconds: float | None = options.NOTE_SECONDS,
    log_text: bool = options.log_text_option("the errors file or summary"),
    conf: list[str] = typer.Option(
        [], "--conf", help="Spark configuration KEY=VALUE (repeatable), e.g. spark.task.cpus=2."
    ),
) -> None:
    """Annotate clinical notes on Spark: the same records as `annotate`, as Parquet tables.

    Re-running with the same OUTPUT resumes: parts already committed are skipped, and no note is
    written twice. Failed records are rows of notes/ with their reason, and are listed in
    OUTPUT/errors.jsonl; counts go to OUTPUT/summary.json.
    """
    if batch_size < 1 or max_batch_chars < 1:
        raise ValueError("--batch-size and --max-batch-chars must be at least 1.")
    settings = {}
    for item in conf:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--conf {item!r}: expected KEY=VALUE.")
        settings[key.strip()] = value

    from ..annotate.limits import NoteLimits
    from ..notes import InputOptions
    from ..spark.job import JobOptions, run_job
    from ..spark.model import ship_code, ship_model
    from ..spark.worker import WorkerConfig

    # Defaults from NoteLimits, as `annotate` does; 0: no limit.
    limits = NoteLimits.from_options(max_note_chars, note_seconds)
    input_options = InputOptions(input_format, id_column, text_column, encoding, keep_iserror)
    job_options = JobOptions(parts=parts, part_chars=part_chars, parts_per_job=parts_per_job)
    spark, created = _session(master, settings)
    try:
        # Arrow batches of a few pipeline batches: a task holds little text at once.
        spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(4 * batch_size))
        config = WorkerConfig(
            ship_model(spark, model),
            add_context=context,
            code=ship_code(spark, code) if code is not None else None,
            batch_size=batch_size,
            max_batch_chars=max_batch_chars,
            limits=limits,
            log_text=log_text,
        )
        summary = run_job(spark, config, input_path, output, input_options, job_options)
    finally:
        if created:
            spark.stop()
    typer.echo(summary.format())


def _session(master: str, settings: dict[str, str]) -> tuple[SparkSession, bool]:
    """The active session (when called from a program that has one), else a new one."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    if master.startswith("local"):
        # Local Python workers run this interpreter (the one with the pipeline's packages),
        # not whatever `python3` is first on the PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName("spacy-minialbert annotate-spark")
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate(), True
