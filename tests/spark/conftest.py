"""One small local Spark session for the whole test run, and the tiny trained pipeline (of
tests/conftest.py) with the components of ``components.py``.

Spark needs Java 17 or newer. Without `java` on the PATH these tests skip, saying so, except in
CI (CI=true), where a missing Java is a broken environment and fails them instead."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import spacy

from tests.spark import components

COMPONENTS_FILE = Path(components.__file__)


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    if shutil.which("java") is None:
        message = "Spark needs Java 17 or newer and there is no `java` on the PATH"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI must run the Spark tests)")
        pytest.skip(message)
    from pyspark.sql import SparkSession

    # The Python workers must run this interpreter, with the project's packages.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("spacy-minialbert tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def failing_pipeline(composed_pipeline: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The composed pipeline plus the components of tests/spark/components.py: one raises on a
    marked note, one ends its process on another (once)."""
    nlp = spacy.load(composed_pipeline)
    nlp.add_pipe(components.FAILS, after="ner")
    nlp.add_pipe(components.CRASHES, after=components.FAILS)
    target = tmp_path_factory.mktemp("spark-failing") / "pipeline"
    nlp.to_disk(target)
    return target
