"""``annotate-spark``: a whole annotation job, resumable, with the local command's errors and
summary files.

Layout of OUTPUT (a folder on any file system Spark writes to)::

    _job.json        what the job is: the input's fingerprint and its parts
    _running         held by the run writing OUTPUT (one at a time)
    planned/part=N/  the notes of each part, fixed on the first run (removed when all are done)
    staging/         what a running group writes before its parts are committed
    notes/part=N/    one row per input record (NOTE_SCHEMA), Parquet
    entities/part=N/ one row per entity (ENTITY_SCHEMA), Parquet
    errors.jsonl     every failed record, with its reason (as the local command's errors file)
    summary.json     the counts of the last run (as the local command's summary)

Why re-running a killed or failed job neither duplicates nor loses a note: the first run cuts
the notes into parts (:mod:`.balance`) and writes them to ``planned`` with Spark's commit
protocol, so every later run sees the same notes in the same parts. Parts are then annotated a
few at a time (``parts_per_job``, one wave of tasks by default), each group by one Spark job
that writes to a fresh ``staging`` folder, again through Spark's commit protocol. Only after
that job succeeded is each of its parts committed, by renaming its folders into ``entities/``
and then ``notes/``: a part is done exactly when ``notes/part=N`` exists. A re-run annotates
only the parts not done, and first removes what a killed run left (staging folders, an
``entities/part=N`` renamed without its notes). A part is in the output whole or not at all,
so no note is written twice or missing. The work lost to a kill is the group in flight.

The input must not change between runs: its fingerprint (rows, characters, and a hash of ids
and texts) is checked, and a changed input is refused rather than merged into parts cut from
the old one.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..annotate.summary import Summary
from ..notes.formats import InputOptions
from ..notes.records import ALREADY_DONE
from .balance import DEFAULT_PART_CHARS, assign_parts
from .engine import annotate_parts, entity_rows, mark_duplicates
from .files import OutputFiles
from .inputs import SKIP, SKIP_REASONS, read_notes
from .schema import FAILED, OK
from .worker import ID, PART, REJECT, REJECT_DETAIL, SOURCE, TEXT, WorkerConfig

MANIFEST = "_job.json"
RUNNING = "_running"
PLANNED, STAGING, NOTES, ENTITIES = "planned", "staging", "notes", "entities"
ERRORS, SUMMARY = "errors.jsonl", "summary.json"
# 3: CSV/JSONL records decoded and checked when read (.decoding); planned rows differ from 2's.
FORMAT_VERSION = 3


@dataclass(frozen=True)
class JobOptions:
    """parts: how many parts the notes are cut into (default: enough that a part holds about
    ``part_chars`` characters, and a multiple of the cores). parts_per_job: parts annotated by
    one Spark job, the work a kill can lose (default: the cores, one wave of tasks)."""

    parts: int | None = None
    part_chars: int = DEFAULT_PART_CHARS
    parts_per_job: int | None = None

    def __post_init__(self) -> None:
        for name in ("parts", "parts_per_job"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name.replace('_', '-')} must be at least 1, not {value}.")
        if self.part_chars < 1:
            raise ValueError(f"part-chars must be at least 1, not {self.part_chars}.")


def run_job(
    spark: SparkSession,
    config: WorkerConfig,
    location: str,
    output: str,
    input_options: InputOptions = InputOptions(),
    options: JobOptions = JobOptions(),
) -> Summary:
    """Annotate every note of ``location`` into ``output``, resuming an earlier run."""
    started = time.monotonic()
    files = OutputFiles(spark, output)
    with _one_run_at_a_time(files):
        rows = read_notes(spark, location, input_options)
        manifest = files.read_json(MANIFEST)
        if manifest is None:
            if files.children(NOTES):
                raise ValueError(
                    f"{files.root} holds notes but no {MANIFEST}: it was not written by "
                    "annotate-spark, or by an older version. Give another OUTPUT."
                )
            # Planning reads the input three times; parse it once (a multi-line CSV, or any
            # gzipped file, is parsed by a single task).
            rows = rows.persist(StorageLevel.MEMORY_AND_DISK)
            try:
                fingerprint = _fingerprint(rows)
                manifest = _plan(spark, files, rows, fingerprint, location, options)
            finally:
                rows.unpersist()
        else:
            _check_same_input(manifest, _fingerprint(rows), files)
            if options.parts is not None and options.parts != manifest["parts"]:
                raise ValueError(
                    f"{files.root} was cut into {manifest['parts']} parts when it was started; "
                    f"resuming keeps them (leave out --parts {options.parts}), or give another "
                    "OUTPUT."
                )
        files.delete(STAGING)  # what a killed run was writing

        per_job = options.parts_per_job or spark.sparkContext.defaultParallelism
        planned_parts = set(manifest["planned_parts"])
        done_before = _done(files)
        pending = [part for part in sorted(planned_parts) if part not in done_before]
        if pending:
            planned = spark.read.parquet(files.path(PLANNED))
            for start in range(0, len(pending), per_job):
                _annotate_group(spark, files, planned, pending[start : start + per_job], config)
        if not (planned_parts - _done(files)):
            files.delete(PLANNED)  # every note is in notes/: the staged copy is no longer needed

        summary = _summary(spark, files, manifest, done_before, location)
        summary.seconds = time.monotonic() - started
        summary.check()
        _write_errors(spark, files)
        extra = {"engine": "spark", "master": spark.sparkContext.master,
                 "parts": len(planned_parts),
                 "parts_done_before_run": len(done_before & planned_parts),
                 "input_fingerprint": manifest["fingerprint"]}  # fmt: skip
        files.write_json(SUMMARY, {**summary.to_json(), **extra})
        return summary


@contextmanager
def _one_run_at_a_time(files: OutputFiles) -> Iterator[None]:
    """Hold ``OUTPUT/_running`` for the run. Two runs committing the same parts would collide;
    a file left by a run that was killed on this host (its process is gone) is taken over."""
    me = {"host": socket.gethostname(), "pid": os.getpid(), "started": time.time()}
    while not files.create_new(RUNNING, json.dumps(me)):
        holder = files.read_json(RUNNING) or {}
        if holder.get("host") == me["host"] and not _alive(int(holder.get("pid", 0))):
            files.delete(RUNNING)  # its run was killed
            continue
        raise RuntimeError(
            f"{files.path(RUNNING)}: another annotate-spark run is writing this OUTPUT "
            f"(host {holder.get('host')}, process {holder.get('pid')}). If none is, delete "
            "that file and run again."
        )
    try:
        yield
    finally:
        files.delete(RUNNING)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        pass
    return True


def _fingerprint(rows: DataFrame) -> dict[str, Any]:
    """What identifies the input: counts, characters, and an order-free hash of ids and texts."""
    skip = F.col(SKIP)
    totals = rows.agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum(F.when(skip.isNull(), F.length(TEXT))).alias("chars"),
        F.bit_xor(F.xxhash64(ID, TEXT, F.col(REJECT))).alias("hash"),
        *[F.count(F.when(skip == reason, 1)).alias(reason) for reason in SKIP_REASONS],
    ).first()
    assert totals is not None
    return {
        "rows": int(totals["rows"]),
        "chars": int(totals["chars"] or 0),
        "hash": int(totals["hash"] or 0),
        "skipped": {reason: int(totals[reason]) for reason in SKIP_REASONS if totals[reason]},
    }


def _plan(
    spark: SparkSession,
    files: OutputFiles,
    rows: DataFrame,
    fingerprint: dict[str, Any],
    location: str,
    options: JobOptions,
) -> dict[str, Any]:
    """Cut the notes into parts and stage them in ``planned``; the manifest of the job."""
    parts = options.parts or 0
    planned_parts: list[int] = []
    if fingerprint["rows"] > sum(fingerprint["skipped"].values()):
        notes = mark_duplicates(rows.where(F.col(SKIP).isNull()))
        placed, parts = assign_parts(notes, options.parts, part_chars=options.part_chars)
        planned = placed.select(ID, TEXT, SOURCE, REJECT, REJECT_DETAIL, PART)
        planned.write.mode("overwrite").partitionBy(PART).parquet(files.path(PLANNED))
        planned_parts = _parts_in(files, PLANNED)  # a part with no note has no folder
    manifest = {
        "format": FORMAT_VERSION,
        "input": location,
        "fingerprint": fingerprint,
        "parts": parts,
        "planned_parts": planned_parts,
    }
    files.write_json(MANIFEST, manifest)
    return manifest


def _check_same_input(
    manifest: dict[str, Any], fingerprint: dict[str, Any], files: OutputFiles
) -> None:
    if manifest.get("format") != FORMAT_VERSION:
        raise ValueError(f"{files.path(MANIFEST)}: written by another version of annotate-spark.")
    if manifest["fingerprint"] != fingerprint:
        raise ValueError(
            f"The input differs from the one {files.root} was started with "
            f"({manifest['input']}: {json.dumps(manifest['fingerprint'])}; now "
            f"{json.dumps(fingerprint)}). Resuming would mix two inputs: give another OUTPUT."
        )


def _done(files: OutputFiles) -> set[int]:
    return set(_parts_in(files, NOTES))


def _parts_in(files: OutputFiles, folder: str) -> list[int]:
    names = files.children(folder)
    return sorted(int(name.split("=", 1)[1]) for name in names if name.startswith("part="))


def _annotate_group(
    spark: SparkSession,
    files: OutputFiles,
    planned: DataFrame,
    group: list[int],
    config: WorkerConfig,
) -> None:
    """Annotate ``group`` in one Spark job into a staging folder, then commit each part."""
    staging = f"{STAGING}/{uuid.uuid4().hex}"
    records = annotate_parts(planned, group, config)
    records.write.partitionBy(PART).parquet(files.path(f"{staging}/records"))
    written = spark.read.parquet(files.path(f"{staging}/records"))
    written.drop("entities").write.partitionBy(PART).parquet(files.path(f"{staging}/{NOTES}"))
    entity_rows(written).write.partitionBy(PART).parquet(files.path(f"{staging}/{ENTITIES}"))
    for part in group:
        folder = f"part={part}"
        if not files.exists(f"{staging}/{NOTES}/{folder}"):
            raise RuntimeError(f"part {part} has notes in {PLANNED} but none were annotated")
        files.delete(f"{ENTITIES}/{folder}")  # left by a run killed between the two renames
        if files.exists(f"{staging}/{ENTITIES}/{folder}"):
            files.rename(f"{staging}/{ENTITIES}/{folder}", f"{ENTITIES}/{folder}")
        files.rename(f"{staging}/{NOTES}/{folder}", f"{NOTES}/{folder}")  # the commit
    files.delete(STAGING)


def _summary(
    spark: SparkSession,
    files: OutputFiles,
    manifest: dict[str, Any],
    done_before: set[int],
    location: str,
) -> Summary:
    summary = Summary(location, files.path(NOTES), files.path(ERRORS))
    fingerprint = manifest["fingerprint"]
    summary.read = fingerprint["rows"]
    for reason, count in fingerprint["skipped"].items():
        summary.skipped[reason] += count
    if not _done(files):
        return summary
    notes = spark.read.parquet(files.path(NOTES))
    before = F.col(PART).isin(sorted(done_before)) if done_before else F.lit(False)
    counts = notes.groupBy(before.alias("before"), "status", "reason").agg(
        F.count(F.lit(1)).alias("n"), F.sum("words").alias("words")
    )
    for row in counts.collect():
        if row["before"]:
            summary.skipped[ALREADY_DONE] += row["n"]
            summary.resumed_from += row["n"]
        elif row["status"] == OK:
            summary.add_written(row["n"], int(row["words"] or 0))
        else:
            summary.failed[row["reason"]] += row["n"]
    return summary


def _write_errors(spark: SparkSession, files: OutputFiles) -> None:
    """Every failed record of the output, one JSON line each, as the local errors file."""
    if not _done(files):
        files.write_text(ERRORS, [])
        return
    failed = (
        spark.read.parquet(files.path(NOTES))
        .where(F.col("status") == FAILED)
        .select(ID, SOURCE, F.lit(FAILED).alias("outcome"), "reason", "detail", PART)
        .orderBy(PART, ID)
    )
    keys = ("id", "source", "outcome", "reason", "detail")
    lines = (
        json.dumps({key: row[key] for key in keys}, ensure_ascii=False) + "\n"
        for row in failed.toLocalIterator()
    )
    # Written 1,000 lines at a time (each write is a call into the JVM), until a chunk is empty.
    files.write_text(ERRORS, iter(lambda: "".join(islice(lines, 1000)), ""))
