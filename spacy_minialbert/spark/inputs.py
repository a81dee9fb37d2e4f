"""Reading the input of ``annotate-spark``: CSV (``.csv``, ``.csv.gz``, NOTEEVENTS-style),
JSON Lines, Parquet, or a table of the Spark catalog, as the rows the engine reads.

CSV and JSONL records follow the local readers' rules (:mod:`spacy_minialbert.notes`), checked
by the same functions (:mod:`.decoding`): default columns ``ROW_ID``/``TEXT`` for CSV (matched
without regard to case) and keys ``id``/``text`` for JSONL, ``ISERROR`` = 1 skips the record
unless asked to keep it, a CSV row that does not match the header or a line that is no JSON
object is a failed record ("malformed record"), and bytes that are not valid in the encoding fail
the record ("unreadable encoding", naming the field, the byte and the character), never replaced.
Spark parses CSV (in parallel where it can) but the decoding is done per record in Python.
Parquet and tables hold text already decoded. Each record's source is the file it came from
(Spark's readers do not know line numbers) or the table's name.

Where Spark's CSV reader differs from the local one: in a file whose rows end in ``\r\n``, a
``\r\n`` inside a quoted text is read as ``\n``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from functools import partial

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from ..notes.encoding import checked_encoding
from ..notes.formats import InputOptions
from ..notes.noteevents import FLAGGED_VALUES, ISERROR_COLUMN
from ..notes.records import ISERROR
from .balance import _ORDER
from .decoding import BYTES, SparkRecord, csv_record, decoded_header, jsonl_record
from .worker import ID, REJECT, REJECT_DETAIL, SOURCE, TEXT

# The values of InputOptions.input_format here.
SPARK_INPUT_FORMATS = ("csv", "jsonl", "parquet", "table")
SKIP = "_skip"
SKIP_REASONS = (ISERROR,)  # the values _skip takes
CORRUPT = "_corrupt_record"
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
_TABLE_NAME = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*){0,2}$")


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
    """The input as rows of ``id``, ``text``, ``source``, ``_reject``/``_detail`` (why the record
    fails), ``_skip`` (why the record is skipped, e.g. ISERROR) and the input order."""
    chosen = options.input_format or detect_format(location)
    if chosen not in SPARK_INPUT_FORMATS:
        raise ValueError(
            f"Unknown input format {chosen!r}; choose one of {', '.join(SPARK_INPUT_FORMATS)}."
        )
    local = chosen != "table" and "://" not in location and not any(c in location for c in "*?[")
    if local and not os.path.exists(location):
        raise FileNotFoundError(f"{location}: no such file or folder.")
    if chosen == "csv":
        return _csv(spark, location, options)
    if chosen == "jsonl":
        return _jsonl(spark, location, options)
    frame = spark.read.parquet(location) if chosen == "parquet" else spark.table(location)
    return _rows(frame, location, options)


# What the decoding UDFs return (.decoding.SparkRecord).
_RECORD = StructType([StructField(name, StringType()) for name in SparkRecord._fields])


def _csv(spark: SparkSession, location: str, options: InputOptions) -> DataFrame:
    encoding = checked_encoding(options.encoding)
    reader = (
        spark.read.option("header", True)
        .option("multiLine", True)  # NOTEEVENTS text fields hold line breaks
        .option("escape", '"')  # and doubled quotes
        .option("encoding", BYTES)  # every byte kept, decoded per record (.decoding)
    )
    names = reader.csv(location).columns
    header = decoded_header(names, encoding)
    columns = {name.strip().upper(): index for index, name in enumerate(header)}
    wanted = [options.id_column or "ROW_ID", options.text_column or "TEXT"]
    _check_columns(location, wanted, header, lambda name: name.strip().upper())
    # Read again with every column a string and the rows that do not fit kept aside.
    schema = StructType(
        [StructField(name, StringType()) for name in names] + [StructField(CORRUPT, StringType())]
    )
    frame = (
        reader.schema(schema)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT)
        .csv(location)
    )
    decode = partial(
        csv_record,
        header=header,
        id_index=columns[wanted[0].strip().upper()],
        text_index=columns[wanted[1].strip().upper()],
        flag_index=columns.get(ISERROR_COLUMN),
        encoding=encoding,
        keep_iserror=options.keep_iserror,
    )
    malformed = F.when(
        F.col(CORRUPT).isNotNull(), F.lit(f"the row does not have the header's {len(names)} fields")
    )
    values = F.array(*[F.col(f"`{name}`") for name in names])
    record = F.udf(decode, _RECORD, useArrow=False)(values, malformed, F.input_file_name())
    return _records(frame.select(record.alias("_record")))


def _jsonl(spark: SparkSession, location: str, options: InputOptions) -> DataFrame:
    decode = partial(
        jsonl_record,
        id_key=options.id_column or "id",
        text_key=options.text_column or "text",
        encoding=checked_encoding(options.encoding),
        keep_iserror=options.keep_iserror,
    )
    # Lines as the local reader splits them (at "\n"); the text source keeps their bytes as
    # they are (a UTF-8 byte-order mark at the start of a file dropped, as locally).
    lines = spark.read.option("lineSep", "\n").text(location)
    udf = F.udf(decode, _RECORD, useArrow=False)
    record = udf(F.col("value").cast("binary"), F.input_file_name())
    frame = lines.select(record.alias("_record"))
    return _records(frame.where(F.col("_record").isNotNull()))  # blank lines hold no record


def _check_columns(
    location: str, wanted: Iterable[str], found: Sequence[str], key: Callable[[str], str]
) -> None:
    """ValueError naming the ``wanted`` columns that none of ``found`` matches by ``key``."""
    present = {key(name) for name in found}
    missing = [name for name in wanted if key(name) not in present]
    if missing:
        raise ValueError(
            f"{location}: no column {' or '.join(missing)} (found: "
            f"{', '.join(found) or 'none'}); choose columns with --id-column and --text-column."
        )


def _records(frame: DataFrame) -> DataFrame:
    record = F.col("_record")
    return frame.select(
        record["id"].alias(ID),
        record["text"].alias(TEXT),
        # input_file_name() is an argument of the UDF, so it is evaluated where the file is
        # scanned, next to the row's values.
        record["source"].alias(SOURCE),
        record["reject"].alias(REJECT),
        record["detail"].alias(REJECT_DETAIL),
        record["skip"].alias(SKIP),
        F.monotonically_increasing_id().alias(_ORDER),
    )


def _rows(frame: DataFrame, location: str, options: InputOptions) -> DataFrame:
    """A Parquet file's or a table's rows: text already decoded, no malformed record."""
    by_lower = {name.lower(): name for name in frame.columns}
    wanted = {"id": options.id_column or "id", "text": options.text_column or "text"}
    _check_columns(location, wanted.values(), frame.columns, str.lower)

    def column(name: str) -> Column:
        return F.col(f"`{by_lower[name.lower()]}`")

    text_type = frame.schema[by_lower[wanted["text"].lower()]].dataType
    if not isinstance(text_type, StringType):
        raise ValueError(f"{location}: the text column {wanted['text']!r} holds {text_type}.")
    flag = by_lower.get(ISERROR_COLUMN.lower())
    skip = F.lit(None).cast("string")
    if flag is not None and not options.keep_iserror:
        flagged = F.trim(F.col(f"`{flag}`").cast("string")).isin(*FLAGGED_VALUES)
        skip = F.when(flagged, F.lit(ISERROR))
    return frame.select(
        column(wanted["id"]).cast("string").alias(ID),
        column(wanted["text"]).alias(TEXT),
        F.lit(location).alias(SOURCE),
        F.lit(None).cast("string").alias(REJECT),
        F.lit(None).cast("string").alias(REJECT_DETAIL),
        skip.alias(SKIP),
        F.monotonically_increasing_id().alias(_ORDER),
    )
