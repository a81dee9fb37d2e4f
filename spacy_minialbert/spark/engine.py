"""``annotate_notes``: annotate a Spark DataFrame of notes with a spaCy pipeline.

The steps, each a plain Spark operation: normalise the input to ``id``, ``text`` and ``source``
columns and mark records that cannot be annotated before the pipeline sees them (a second
record with an id already seen, a malformed input row); cut the notes into parts of equal text
length (:mod:`.balance`); annotate each part in one task with ``mapInArrow``
(:mod:`.worker`). Nothing is collected to the driver but one number per balancing bin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import to_arrow_schema
from pyspark.sql.types import StringType

from ..annotate.limits import NoteLimits
from ..notes.records import DUPLICATE_ID
from .balance import _ORDER, DEFAULT_PART_CHARS, assign_parts, to_parts
from .model import ModelRef, ship_code, ship_model
from .schema import OK, RECORD_SCHEMA
from .worker import ID, PART, REJECT, REJECT_DETAIL, SOURCE, TEXT, WorkerConfig, annotate_partition

DUPLICATE_DETAIL = "an earlier record of this input has the same id"


@dataclass(frozen=True)
class AnnotatedNotes:
    """The result of :func:`annotate_notes`. ``records``: one row per input record
    (:data:`~.schema.RECORD_SCHEMA`, entities nested). ``notes`` and ``entities`` are its two
    tables. Each is computed from ``records`` when used: to write both without annotating
    twice, persist ``records`` first or write ``records`` and read it back (``annotate-spark``
    does the latter)."""

    records: DataFrame

    @property
    def notes(self) -> DataFrame:
        return self.records.drop("entities")

    @property
    def entities(self) -> DataFrame:
        return entity_rows(self.records)


def entity_rows(records: DataFrame) -> DataFrame:
    """One row per entity of the annotated records (:data:`~.schema.ENTITY_SCHEMA`)."""
    exploded = records.where(F.col("status") == OK).select(
        ID, F.explode("entities").alias("_entity"), PART
    )
    return exploded.select(ID, "_entity.*", PART)


def annotate_notes(
    df: DataFrame,
    model: str | Path | ModelRef,
    *,
    id_col: str = "id",
    text_col: str = "text",
    source_col: str | None = None,
    add_context: bool = True,
    code: str | Path | None = None,
    batch_size: int = 32,
    max_batch_chars: int = 200_000,
    parts: int | None = None,
    part_chars: int = DEFAULT_PART_CHARS,
    limits: NoteLimits = NoteLimits(),
    log_text: bool = False,
) -> AnnotatedNotes:
    """Annotate the notes of ``df`` (an id and a text column) with ``model``.

    ``model``: an installed pipeline package, a pipeline directory on the driver (shipped to the
    executors with the job), or a :class:`~.model.ModelRef`. ``code``: a Python file with custom
    components, shipped too and imported before loading (as spaCy's ``--code``). ``add_context``
    adds sentences, the sectionizer and ConText to a pipeline without ConText, as the local
    command does. ``parts``: how many tasks the notes are cut into, of equal text length
    (default: parts of about ``part_chars`` characters, a multiple of the session's cores).
    ``limits`` and ``log_text``: the per-note guards and the opt-in to keep exception
    messages, as for the local command.

    The Arrow batches Spark hands to each task hold at most
    ``spark.sql.execution.arrow.maxRecordsPerBatch`` rows (10,000 unless set); with long notes,
    set it lower (``annotate-spark`` sets ``4 * batch_size``) to bound the memory of a task.
    """
    spark = df.sparkSession
    reference = model if isinstance(model, ModelRef) else ship_model(spark, model)
    config = WorkerConfig(
        reference,
        add_context=add_context,
        code=ship_code(spark, code) if code is not None else None,
        batch_size=batch_size,
        max_batch_chars=max_batch_chars,
        limits=limits,
        log_text=log_text,
    )
    rows = mark_duplicates(note_rows(df, id_col=id_col, text_col=text_col, source_col=source_col))
    placed, count = assign_parts(rows, parts, part_chars=part_chars)
    return AnnotatedNotes(annotate_parts(placed, range(count), config))


def note_rows(
    df: DataFrame, *, id_col: str, text_col: str, source_col: str | None = None
) -> DataFrame:
    """``df`` as the rows the engine reads: ``id`` (as a string), ``text``, ``source`` and the
    input order, with no record rejected yet."""
    for role, column in (("id", id_col), ("text", text_col), ("source", source_col)):
        if column is not None and column not in df.columns:
            raise ValueError(
                f"The DataFrame has no {role} column {column!r} (columns: {', '.join(df.columns)})."
            )
    text_type = df.schema[text_col].dataType
    if not isinstance(text_type, StringType):
        raise ValueError(f"The text column {text_col!r} must hold strings, not {text_type}.")
    source = F.col(source_col).cast("string") if source_col else F.lit(None).cast("string")
    return df.select(
        F.col(id_col).cast("string").alias(ID),
        F.col(text_col).alias(TEXT),
        source.alias(SOURCE),
        F.lit(None).cast("string").alias(REJECT),
        F.lit(None).cast("string").alias(REJECT_DETAIL),
        F.monotonically_increasing_id().alias(_ORDER),
    )


def mark_duplicates(rows: DataFrame) -> DataFrame:
    """Reject each record whose id an earlier record of the input has (as the local command
    does): the first keeps the id, the others fail with reason "duplicate id"."""
    key = F.trim(F.col(ID))
    candidate = F.col(REJECT).isNull() & key.isNotNull() & (key != "")
    earlier = Window.partitionBy(key, candidate).orderBy(_ORDER)
    marked = rows.withColumn("_duplicate", candidate & (F.row_number().over(earlier) > 1))
    duplicate = F.col("_duplicate")
    for column, value in ((REJECT, DUPLICATE_ID), (REJECT_DETAIL, DUPLICATE_DETAIL)):
        marked = marked.withColumn(column, F.when(duplicate, F.lit(value)).otherwise(F.col(column)))
    return marked.drop("_duplicate")


def annotate_parts(rows: DataFrame, parts: Sequence[int], config: WorkerConfig) -> DataFrame:
    """The records (:data:`~.schema.RECORD_SCHEMA`) of ``rows`` whose part is in ``parts``,
    one task per part."""
    wanted = rows.where(F.col(PART).isin(list(parts))) if len(parts) else rows.limit(0)
    placed = to_parts(wanted.select(ID, TEXT, SOURCE, REJECT, REJECT_DETAIL, PART), parts)
    function = partial(annotate_partition, config=config, schema=to_arrow_schema(RECORD_SCHEMA))
    return placed.mapInArrow(function, RECORD_SCHEMA)
