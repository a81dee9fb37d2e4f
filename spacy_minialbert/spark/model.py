"""Getting the pipeline to the executors without a shared file system.

A model is given as an installed package name (every executor's Python has it installed, as with
``spacy.load("en_core_web_sm")``) or as a pipeline directory on the driver. A directory is zipped
and added to the job with ``SparkContext.addArchive``: Spark copies it to every executor and
unpacks it there, where :func:`resolve` finds it through ``SparkFiles``. The archive's name
carries a digest of its content, so two different pipelines (or a pipeline changed between two
jobs of one session) never share a name. A file of custom components (spaCy's ``--code``) is
shipped the same way with ``addFile``.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pyspark.sql import SparkSession

Kind = Literal["package", "archive", "file"]


@dataclass(frozen=True)
class ModelRef:
    """How an executor finds the pipeline: an installed ``package``, an ``archive`` added to the
    job (``name`` is its SparkFiles name), or a ``file`` path every executor can read (a shared
    or mounted file system such as ``/dbfs/...``)."""

    kind: Kind
    name: str


@dataclass(frozen=True)
class CodeRef:
    """A Python file of registered functions (custom components), shipped with ``addFile``."""

    name: str


def ship_model(spark: SparkSession, model: str | Path) -> ModelRef:
    """The reference executors use to load ``model``: a directory is zipped and added to the job;
    anything else is taken as an installed package name."""
    path = Path(model)
    if path.is_dir():
        if not (path / "config.cfg").is_file():
            raise ValueError(f"{path}: not a spaCy pipeline directory (it has no config.cfg).")
        archive = _zip_pipeline(path)
        spark.sparkContext.addArchive(str(archive))
        return ModelRef("archive", archive.name)
    if path.exists():
        raise ValueError(f"{path}: a file, not a pipeline directory or package name.")
    if os.sep in str(model) or str(model).startswith("."):
        raise FileNotFoundError(f"{model}: no such pipeline directory.")
    return ModelRef("package", str(model))


def ship_code(spark: SparkSession, code: str | Path) -> CodeRef:
    path = Path(code)
    if not path.is_file() or path.suffix != ".py":
        raise FileNotFoundError(f"{path}: the code file must be an existing .py file.")
    data = path.read_bytes()
    target = _scratch() / f"{path.stem}-{hashlib.sha256(data).hexdigest()[:12]}.py"
    target.write_bytes(data)
    spark.sparkContext.addFile(str(target))
    return CodeRef(target.name)


def resolve(model: ModelRef) -> str:
    """On an executor: what ``spacy.load`` takes for ``model``."""
    if model.kind != "archive":
        return model.name
    from pyspark import SparkFiles

    directory = SparkFiles.get(model.name)
    if not os.path.isfile(os.path.join(directory, "config.cfg")):
        raise FileNotFoundError(
            f"the pipeline archive {model.name} is not unpacked on this executor ({directory} "
            "has no config.cfg); was it added to this Spark job?"
        )
    return directory


def _zip_pipeline(directory: Path) -> Path:
    """``directory``'s files (at the archive's top level) in a zip named by their digest."""
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for file in files:
        digest.update(str(file.relative_to(directory)).encode() + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    target = _scratch() / f"{directory.name}-{digest.hexdigest()[:16]}.zip"
    if not target.exists():
        partial = target.with_suffix(".partial")
        # Weights are already compact (safetensors, often int8 or float16): storing is as small
        # as deflating and much faster.
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as archive:
            for file in files:
                archive.write(file, file.relative_to(directory).as_posix())
        partial.rename(target)
    return target


@functools.cache
def _scratch() -> Path:
    """A folder for the archives of this driver process, removed when it exits (Spark has
    copied them by then)."""
    scratch = Path(tempfile.mkdtemp(prefix="minialbert-spark-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    return scratch
