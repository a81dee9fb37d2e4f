"""The entities of an annotation output as CSV: one row per entity, for a database load.

Written from the finished JSONL output (the output is the single source of truth, so the CSV
has exactly its notes, none twice), through a temporary file renamed into place."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

COLUMNS = (
    "id", "label", "start", "end", "text", "negated", "hypothetical", "historical", "family",
    "uncertain", "section", "modifiers",
)  # fmt: skip


def export_entities_csv(jsonl: Path, destination: Path) -> int:
    """Write ``destination``; returns the number of entity rows. ``modifiers`` holds the ConText
    modifier categories, ``;``-separated."""
    temporary = destination.with_name(destination.name + ".partial")
    rows = 0
    with (
        jsonl.open(encoding="utf-8") as source,
        temporary.open("w", encoding="utf-8", newline="") as target,
    ):
        writer = csv.writer(target)
        writer.writerow(COLUMNS)
        for line in source:
            record = json.loads(line)
            for entity in record["entities"]:
                modifiers = ";".join(m["category"] for m in entity["modifiers"])
                cells = [_cell(entity[column]) for column in COLUMNS[1:-1]]
                writer.writerow([record["id"], *cells, modifiers])
                rows += 1
    os.replace(temporary, destination)
    return rows


def _cell(value: object) -> object:
    """Booleans as ``true``/``false`` and a missing section as an empty cell, as databases read
    them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value
