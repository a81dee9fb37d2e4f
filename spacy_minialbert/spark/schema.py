"""The declared schemas of the Spark engine's output.

``RECORD_SCHEMA`` is what the annotation step yields: one row per input record (``status`` ok or
failed) with its entities nested. The two tables written by ``annotate-spark`` are its
projections: ``NOTE_SCHEMA`` (the record without its entities) and ``ENTITY_SCHEMA`` (one row per
entity, keyed by the note id). The fields mirror the local command's JSON record
(:mod:`spacy_minialbert.annotate.records`) and errors file (``reason``, ``detail``).
``part`` is the unit of work a record was annotated in (see :mod:`.balance`); both tables are
partitioned by it on disk.
"""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DoubleType,
    IntegerType,
    MapType,
    StringType,
    StructField,
    StructType,
)

OK = "ok"
FAILED = "failed"

MODIFIER = StructType(
    [
        StructField("category", StringType()),
        StructField("text", StringType()),
        StructField("start", IntegerType()),
        StructField("end", IntegerType()),
    ]
)

ENTITY_FIELDS = [
    StructField("label", StringType()),
    StructField("start", IntegerType()),
    StructField("end", IntegerType()),
    StructField("text", StringType()),
    StructField("negated", BooleanType()),
    StructField("hypothetical", BooleanType()),
    StructField("historical", BooleanType()),
    StructField("family", BooleanType()),
    StructField("uncertain", BooleanType()),
    StructField("section", StringType()),
    StructField("modifiers", ArrayType(MODIFIER)),
]

SECTION = StructType(
    [
        StructField("category", StringType()),
        StructField("title", StringType()),
        StructField("start", IntegerType()),
        StructField("end", IntegerType()),
    ]
)

# id is null only for a record without one (reason "missing id"); categories, sections,
# entities and words are null on a failed record: nothing was computed for it.
NOTE_FIELDS = [
    StructField("id", StringType()),
    StructField("source", StringType()),
    StructField("status", StringType(), nullable=False),
    StructField("reason", StringType()),
    StructField("detail", StringType()),
    StructField("words", IntegerType()),
    StructField("categories", MapType(StringType(), DoubleType())),
    StructField("sections", ArrayType(SECTION)),
]

PART_FIELD = StructField("part", IntegerType(), nullable=False)

RECORD_SCHEMA = StructType(
    [*NOTE_FIELDS, StructField("entities", ArrayType(StructType(ENTITY_FIELDS))), PART_FIELD]
)
NOTE_SCHEMA = StructType([*NOTE_FIELDS, PART_FIELD])
ENTITY_SCHEMA = StructType([StructField("id", StringType()), *ENTITY_FIELDS, PART_FIELD])
