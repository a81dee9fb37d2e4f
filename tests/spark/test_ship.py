"""The pipeline reaches the workers without a shared path: a directory is zipped and added to
the job (SparkContext.addArchive), and the workers load Spark's unpacked copy; the directory
itself is gone before the job runs. An installed package is referred to by name."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from spacy_minialbert.spark import ModelRef, annotate_notes, ship_model


def test_a_pipeline_directory_is_shipped_as_an_archive(
    spark: Any, composed_pipeline: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "shipped"
    shutil.copytree(composed_pipeline, copy)
    reference = ship_model(spark, copy)
    assert reference.kind == "archive" and reference.name.startswith("shipped-")
    shutil.rmtree(copy)  # nothing left to share: only the copy Spark ships exists

    notes = spark.createDataFrame(
        [("a", "Patient denies chest pain ."), ("b", "Mother has asthma ."), ("c", " ")],
        "id string, text string",
    )
    result = annotate_notes(notes, reference, parts=1)
    status = {row["id"]: (row["status"], row["reason"]) for row in result.notes.collect()}
    assert status == {"a": ("ok", None), "b": ("ok", None), "c": ("failed", "empty text")}
    entities = {(row["id"], row["text"], row["negated"]) for row in result.entities.collect()}
    assert ("a", "chest pain", True) in entities


def test_other_models_are_package_names_or_refused(spark: Any, tmp_path: Path) -> None:
    assert ship_model(spark, "en_some_installed_pipeline") == ModelRef(
        "package", "en_some_installed_pipeline"
    )
    with pytest.raises(FileNotFoundError, match="no such pipeline directory"):
        ship_model(spark, str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"no config\.cfg"):
        ship_model(spark, tmp_path / "empty")
