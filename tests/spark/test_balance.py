"""Parts of equal text length: a long note does not share its part with a pile of short ones,
the cut is the same on every run, and each part gets a Spark partition of its own."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from spacy_minialbert.spark.balance import (
    NOTE_OVERHEAD_CHARS,
    assign_parts,
    default_parts,
    to_parts,
)
from spacy_minialbert.spark.engine import note_rows


def _notes(spark: Any) -> Any:
    rows = [("long", "x" * 30_000)] + [(f"short-{i}", "y" * (50 + i % 100)) for i in range(300)]
    return note_rows(spark.createDataFrame(rows, "id string, text string"), id_col="id",
                     text_col="text")  # fmt: skip


def _weights(assigned: Any) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for row in assigned.select("part", "text").collect():
        totals[row["part"]] += len(row["text"]) + NOTE_OVERHEAD_CHARS
    return dict(totals)


def test_parts_hold_equal_text_within_one_note(spark: Any) -> None:
    notes = _notes(spark)
    assigned, parts = assign_parts(notes, 4)
    weights = _weights(assigned)
    total = sum(weights.values())
    longest = 30_000 + NOTE_OVERHEAD_CHARS
    assert parts == 4 and sorted(weights) == [0, 1, 2, 3]
    # Each part is within half the longest note of an equal share (midpoints are cut evenly).
    for weight in weights.values():
        assert abs(weight - total / 4) <= longest / 2 + 150 + NOTE_OVERHEAD_CHARS, weights
    long_part = assigned.where("id = 'long'").first()["part"]
    # The long note is more than a share: it is (nearly) alone in its part.
    assert assigned.where(f"part = {long_part}").count() <= 3

    again = {row["id"]: row["part"] for row in assign_parts(_notes(spark), 4)[0].collect()}
    assert again == {row["id"]: row["part"] for row in assigned.collect()}


def test_the_default_number_of_parts(spark: Any) -> None:
    # 30,200 + 300 short notes of 250 on average: 120,050 weighted characters; 2 cores, so
    # ceil(120,050 / 25,000 / 2) = 3 parts per core.
    assert assign_parts(_notes(spark), part_chars=25_000)[1] == 6
    assert (
        default_parts(1, cores=2) == 2
        and default_parts(8_000_001, cores=4, part_chars=1_000_000) == 12
    )


def test_each_part_gets_its_own_partition(spark: Any) -> None:
    assigned, _ = assign_parts(_notes(spark), 6)
    wanted = [5, 1, 3]
    placed = to_parts(assigned.where(assigned.part.isin(wanted)), wanted)
    per_partition = placed.rdd.glom().map(lambda rows: sorted({row["part"] for row in rows}))
    assert per_partition.collect() == [[5], [1], [3]]
