"""Reading the input of ``annotate-spark``: CSV (``.csv``, ``.csv.gz``, NOTEEVENTS-style),
JSON Lines, Parquet, or a table of the Spark catalog, as the rows the engine reads.

The same rules as the local readers (:mod:`spacy_minialbert.notes`): default columns
``ROW_ID``/``TEXT`` for CSV and ``id``/``text`` otherwise (CSV column names matched without
regard to case), ``ISERROR`` = 1 skips the record unless asked to keep it, a CSV row that does
not match the header or a JSON line that is not an object is a failed record ("malformed
record"). Each record's source is the file it came from (Spark's readers do not know line
numbers) or the table's name.

Where Spark's readers differ from the local ones: bytes that are not valid in the encoding are
replaced by U+FFFD instead of failing the record ("unreadable encoding").
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from ..notes.noteevents import FLAGGED_VALUES, ISERROR_COLUMN
from ..notes.records import ISERROR, MALFORMED
from .balance import _ORDER
from .worker import ID, REJECT, REJECT_DETAIL, SOURCE, TEXT

FORMATS = ("csv", "jsonl", "parquet", "table")
SKIP = "_skip"
SKIP_REASONS = (ISERROR,)  # the values _skip takes
CORRUPT = "_corrupt_record"
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
_TABLE_NAME = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*){0,2}$")


@dataclass(frozen=True)
class InputOptions:
    input_format: str | None = None
    id_column: str | None = None
    text_column: str | None = None
    encoding: str = "utf-8"
    keep_iserror: bool = False


def detect_format(location: str) -> str:
    """From the suffix (``.gz`` looked through); a folder is Parquet; a dotted name that is no
    file is a table."""
    name = location.rstrip("/").lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for suffix, found in _SUFFIXES.items():
        if name.endswith(suffix):
            return found
    if name.endswith(".parquet") or os.path.isdir(location):
        return "parquet"
    if not os.path.exists(location) and _TABLE_NAME.match(location):
        return "table"
    raise ValueError(
        f"{location}: cannot tell the input format from the name; give a .csv[.gz], "
        ".jsonl[.gz], .parquet file or folder, or a table name, or say which with --format."
    )


def read_notes(spark: SparkSession, location: str, options: InputOptions) -> DataFrame:
    """The input as rows of ``id``, ``text``, ``source``, ``_reject``/``_detail`` (a malformed
    record), ``_skip`` (why the record is skipped, e.g. ISERROR) and the input order."""
    chosen = options.input_format or detect_format(location)
    if chosen not in FORMATS:
        raise ValueError(f"Unknown input format {chosen!r}; choose one of {', '.join(FORMATS)}.")
    local = chosen != "table" and "://" not in location and not any(c in location for c in "*?[")
    if local and not os.path.exists(location):
        raise FileNotFoundError(f"{location}: no such file or folder.")
    if chosen == "csv":
        return _csv(spark, location, options)
    if chosen == "jsonl":
        frame = (
            spark.read.option("primitivesAsString", True)
            .option("encoding", options.encoding)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT)
            .json(location)
        )
        return _rows(frame, location, options, id_default="id", text_default="text",
                     missing_columns="null", malformed="not a JSON object")  # fmt: skip
    frame = spark.read.parquet(location) if chosen == "parquet" else spark.table(location)
    return _rows(frame, location, options, id_default="id", text_default="text",
                 missing_columns="error", malformed="", source=F.lit(location))  # fmt: skip


def _csv(spark: SparkSession, location: str, options: InputOptions) -> DataFrame:
    reader = (
        spark.read.option("header", True)
        .option("multiLine", True)  # NOTEEVENTS text fields hold line breaks
        .option("escape", '"')  # and doubled quotes
        .option("encoding", options.encoding)
    )
    header = reader.csv(location).columns
    # Read again with every column a string and the rows that do not fit kept aside.
    schema = StructType(
        [StructField(name, StringType()) for name in header] + [StructField(CORRUPT, StringType())]
    )
    frame = (
        reader.schema(schema)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT)
        .csv(location)
    )
    return _rows(frame, location, options, id_default="ROW_ID", text_default="TEXT",
                 missing_columns="error", empty_field_is_null=True,
                 malformed=f"the row does not have the header's {len(header)} fields")  # fmt: skip


def _rows(
    frame: DataFrame,
    location: str,
    options: InputOptions,
    *,
    id_default: str,
    text_default: str,
    missing_columns: str,
    malformed: str,
    source: Column | None = None,
    empty_field_is_null: bool = False,
) -> DataFrame:
    by_lower = {name.lower(): name for name in frame.columns}
    wanted = {"id": options.id_column or id_default, "text": options.text_column or text_default}
    missing = [name for name in wanted.values() if name.lower() not in by_lower]
    if missing and missing_columns == "error":
        raise ValueError(
            f"{location}: no column {' or '.join(missing)} (found: "
            f"{', '.join(c for c in frame.columns if c != CORRUPT) or 'none'}); choose columns "
            "with --id-column and --text-column."
        )

    def column(name: str) -> Column:
        found = by_lower.get(name.lower())
        return F.col(f"`{found}`") if found is not None else F.lit(None)

    text_type = frame.schema[by_lower[wanted["text"].lower()]].dataType if not missing else None
    if text_type is not None and not isinstance(text_type, StringType):
        raise ValueError(f"{location}: the text column {wanted['text']!r} holds {text_type}.")
    text = column(wanted["text"]).cast("string")
    corrupt = F.col(CORRUPT).isNotNull() if CORRUPT in frame.columns else F.lit(False)
    if empty_field_is_null:
        # Spark's CSV reader gives an empty field as null; the csv module (and the local
        # command) as "", an empty text, not a missing one.
        text = F.when(~corrupt, F.coalesce(text, F.lit(""))).otherwise(text)
    flag = by_lower.get(ISERROR_COLUMN.lower())
    skip = F.lit(None).cast("string")
    if flag is not None and not options.keep_iserror:
        flagged = F.trim(F.col(f"`{flag}`").cast("string")).isin(*FLAGGED_VALUES)
        skip = F.when(~corrupt & flagged, F.lit(ISERROR))
    return frame.select(
        column(wanted["id"]).cast("string").alias(ID),
        text.alias(TEXT),
        (source if source is not None else F.input_file_name()).alias(SOURCE),
        F.when(corrupt, F.lit(MALFORMED)).alias(REJECT),
        F.when(corrupt, F.lit(malformed)).alias(REJECT_DETAIL),
        skip.alias(SKIP),
        F.monotonically_increasing_id().alias(_ORDER),
    )
