"""Running the two engines on one input and reading what each wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from spacy_minialbert.cli import app
from spacy_minialbert.cli import commands as _commands  # noqa: F401  (registers the commands)


def run_cli(*args: str) -> Any:
    """The CLI in this process (annotate-spark uses the active test session)."""
    return CliRunner().invoke(app, [*args])


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def spark_output(spark: Any, output: Path) -> tuple[list[dict], list[dict]]:
    """The rows of notes/ and entities/ as plain dicts (maps as dicts, structs as dicts)."""
    notes = [
        row.asDict(recursive=True) for row in spark.read.parquet(str(output / "notes")).collect()
    ]
    entities_path = output / "entities"
    entities = (
        [row.asDict(recursive=True) for row in spark.read.parquet(str(entities_path)).collect()]
        if entities_path.exists()
        else []
    )
    return notes, entities
