"""Cutting the notes into parts of equal text length, so long notes do not straggle a job.

Splitting by row count puts a 20,000-word discharge summary and a 200-word radiology report on
the same footing; a partition that draws a few long notes then runs for hours after the others
are done. Instead every note gets a place on one line of all the text: notes are put in a
pseudo-random but fixed order (a hash of the id, so neighbours in the input, often of one kind
and length, are spread out), each note's start is the summed length of the notes before it, and
``part = floor(midpoint * parts / total)``. Parts hold the same number of characters within one
note; a note longer than a part gets a part of its own.

The running sum is computed without moving all rows to one place: the hash order is cut into
``BINS`` bins, the driver adds up the bins' totals (one number per bin), and each bin adds up its
own rows. The result depends only on the ids and lengths of the input, so a re-run assigns
every note to the same part.

``to_parts`` then puts each part in a Spark partition of its own. ``repartition(n, part)``
alone does not: it sends a row to partition ``pmod(hash(part), n)``, and hashing ``n`` values
into ``n`` partitions leaves about a third of them empty and doubles others. So each part gets a
slot key chosen so that ``pmod(hash(slot), n)`` is the part's position (found once by hashing
candidate keys with Spark's own ``hash``, the function its hash partitioning uses), and the rows
are repartitioned by the slot. The rows stay in the JVM; the worker checks that no task received
two parts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from .worker import PART, TEXT

BINS = 1024
# About 1.2 million words: some 15 minutes of one core with the int8 312 pipeline.
DEFAULT_PART_CHARS = 8_000_000
# The cost of a note beyond its characters (the pipeline's per-note work), in characters.
NOTE_OVERHEAD_CHARS = 200
_KEY, _ORDER, _WEIGHT, _BIN, _SLOT = "_key", "_order", "_weight", "_bin", "_slot"


def default_parts(total_chars: int, cores: int, part_chars: int = DEFAULT_PART_CHARS) -> int:
    """Enough parts that one holds about ``part_chars`` characters (the work a failed task
    redoes), and a multiple of ``cores`` (every core busy to the end)."""
    return cores * max(1, math.ceil(total_chars / part_chars / cores))


def assign_parts(
    notes: DataFrame,
    parts: int | None = None,
    *,
    part_chars: int = DEFAULT_PART_CHARS,
) -> tuple[DataFrame, int]:
    """``notes`` (with ``id``, ``text`` and a unique ``_order`` column) with a ``part`` column
    in ``[0, parts)``, parts of about equal total text length; and ``parts``, by default
    :func:`default_parts` of the notes' length and the session's cores."""
    if parts is not None and parts < 1:
        raise ValueError(f"The number of parts must be at least 1, not {parts}.")
    weighted = notes.withColumn(_KEY, F.xxhash64(F.col("id"))).withColumn(
        _WEIGHT, F.coalesce(F.length(F.col(TEXT)), F.lit(0)).cast("long") + NOTE_OVERHEAD_CHARS
    )
    weighted = weighted.withColumn(_BIN, F.pmod(F.col(_KEY), F.lit(BINS)).cast("int"))
    totals = {row[0]: row[1] for row in weighted.groupBy(_BIN).agg(F.sum(_WEIGHT)).collect()}
    total = sum(totals.values())
    if parts is None:
        parts = default_parts(total, notes.sparkSession.sparkContext.defaultParallelism, part_chars)
    if total == 0:
        return notes.withColumn(PART, F.lit(0)), parts
    offsets, running = [], 0
    for bin_index in sorted(totals):
        offsets.append((bin_index, running))
        running += totals[bin_index]
    offset_table = notes.sparkSession.createDataFrame(offsets, f"{_BIN} int, _offset long")
    before = (
        Window.partitionBy(_BIN).orderBy(_KEY, _ORDER).rowsBetween(Window.unboundedPreceding, -1)
    )
    start = F.col("_offset") + F.coalesce(F.sum(_WEIGHT).over(before), F.lit(0))
    midpoint = start + F.col(_WEIGHT) / 2
    part = F.least(F.floor(midpoint * parts / total), F.lit(parts - 1)).cast("int")
    assigned = (
        weighted.join(F.broadcast(offset_table), _BIN)
        .withColumn(PART, part)
        .drop(_KEY, _WEIGHT, _BIN, "_offset")
    )
    return assigned, parts


def to_parts(rows: DataFrame, parts: Sequence[int]) -> DataFrame:
    """``rows`` (with a ``part`` column holding only values of ``parts``) with each part in a
    Spark partition of its own: partition ``i`` holds part ``parts[i]``."""
    if not parts:
        return rows.limit(0)
    slots = _slots(rows.sparkSession, len(parts))
    # The slot keys are longs, as hashed in _slots: hash(5) of an int is not hash(5) of a long.
    pairs = [
        (F.lit(part), F.lit(slots[position]).cast("long")) for position, part in enumerate(parts)
    ]
    slot = F.create_map(*[column for pair in pairs for column in pair])[F.col(PART)]
    return rows.withColumn(_SLOT, slot).repartition(len(parts), _SLOT).drop(_SLOT)


def _slots(spark: SparkSession, count: int) -> list[int]:
    """For each position ``i < count``, a long key ``k`` with ``pmod(hash(k), count) == i``."""
    candidates = spark.range(0, 64 * count + 64).select(
        F.pmod(F.hash("id"), F.lit(count)).alias("position"), "id"
    )
    rows = candidates.groupBy("position").agg(F.min("id")).collect()
    found: dict[int, int] = {int(row[0]): int(row[1]) for row in rows}
    missing = [position for position in range(count) if position not in found]
    if missing:  # 64 tries per position: practically impossible
        raise RuntimeError(f"no slot key hashes to partitions {missing[:5]} of {count}")
    return [found[position] for position in range(count)]
