"""What runs in Spark's Python workers: annotate the Arrow batches of one partition.

Each Python worker loads the pipeline once (a module-level cache keyed by what was loaded) and
keeps it for every later task: Spark reuses its Python workers between tasks and jobs
(``spark.python.worker.reuse``, on by default). PyTorch gets as many threads as the task owns
cores (``spark.task.cpus``), so concurrent tasks on an executor do not oversubscribe it.

Every input row becomes exactly one output row, annotated by the same code as the local command
(:func:`~spacy_minialbert.notes.records.check_note`, then
:func:`~spacy_minialbert.annotate.batch.annotate_batch`), so a note gives the same record on
either engine. A note that breaks a component is a failed row with its reason; the task goes on.
Memory is bounded by the batches, never the partition: an Arrow batch is cut into pipeline
batches of at most ``batch_size`` notes and ``max_batch_chars`` characters, and each is
yielded before the next is read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from spacy.language import Language

from ..annotate.batch import annotate_batch
from ..annotate.limits import NoteLimits
from ..annotate.pipeline import PipelineSpec, load_pipeline
from ..notes.records import Note, Rejected, check_note
from .model import CodeRef, ModelRef, resolve
from .schema import FAILED, OK

# Columns of the rows the annotation step reads (prepared by .engine).
ID, TEXT, SOURCE, REJECT, REJECT_DETAIL, PART = "id", "text", "source", "_reject", "_detail", "part"


@dataclass(frozen=True)
class WorkerConfig:
    """Everything a worker needs; pickled into the task. ``limits`` and ``log_text`` as for the
    local command (:func:`~spacy_minialbert.annotate.batch.annotate_batch`)."""

    model: ModelRef
    add_context: bool = True
    code: CodeRef | None = None
    batch_size: int = 32
    max_batch_chars: int = 200_000
    limits: NoteLimits = field(default_factory=NoteLimits)
    log_text: bool = False


_PIPELINES: dict[tuple[ModelRef, bool, CodeRef | None], Language] = {}
_IMPORTED_CODE: set[CodeRef] = set()


def pipeline(config: WorkerConfig) -> Language:
    """The pipeline of ``config``, loaded once per Python worker process."""
    key = (config.model, config.add_context, config.code)
    if key not in _PIPELINES:
        if config.code is not None and config.code not in _IMPORTED_CODE:
            from pyspark import SparkFiles
            from spacy.util import import_file

            import_file("minialbert_spark_code", SparkFiles.get(config.code.name))
            _IMPORTED_CODE.add(config.code)
        spec = PipelineSpec(resolve(config.model), add_context=config.add_context)
        _PIPELINES[key] = load_pipeline(spec)[0]
    return _PIPELINES[key]


def _use_task_cores() -> None:
    import torch
    from pyspark import TaskContext

    context = TaskContext.get()
    cores = context.cpus() if context is not None else 1
    if torch.get_num_threads() != cores:
        torch.set_num_threads(cores)


def annotate_partition(
    batches: Iterator[pa.RecordBatch], config: WorkerConfig, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` function: the record rows (``schema``) of the rows in ``batches``."""
    _use_task_cores()
    parts: set[int] = set()
    for batch in batches:
        parts.update(batch.column(PART).unique().to_pylist())
        if len(parts) > 1:  # see .balance.to_parts: one part per task, or parts straggle
            raise RuntimeError(f"a task received the rows of several parts: {sorted(parts)}")
        for rows in _chunks(batch.to_pylist(), config.batch_size, config.max_batch_chars):
            records = annotate_rows(rows, config)
            yield pa.RecordBatch.from_pylist(records, schema)


def _chunks(
    rows: list[dict[str, Any]], max_notes: int, max_chars: int
) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    chars = 0
    for row in rows:
        size = len(row[TEXT] or "")
        if chunk and (len(chunk) == max_notes or chars + size > max_chars):
            yield chunk
            chunk, chars = [], 0
        chunk.append(row)
        chars += size
    if chunk:
        yield chunk


def annotate_rows(rows: Sequence[dict[str, Any]], config: WorkerConfig) -> list[dict[str, Any]]:
    """One record row per input row, in input order. The pipeline is loaded only when a row is a
    note to annotate (a task of rejected records loads nothing)."""
    out: list[dict[str, Any] | None] = [None] * len(rows)
    notes: list[Note] = []
    where: dict[str, int] = {}
    for index, row in enumerate(rows):
        source = row[SOURCE] or ""
        item: Note | Rejected
        if row[REJECT] is not None:
            note_id = (row[ID] or "").strip() or None
            item = Rejected(note_id, source, "failed", row[REJECT], row[REJECT_DETAIL] or "")
        else:
            item = check_note(row[ID], row[TEXT], source)
        if isinstance(item, Rejected):
            out[index] = _failed_row(item, row)
        else:
            notes.append(item)
            where[item.note_id] = index
    if not notes:
        return [row for row in out if row is not None]
    nlp = pipeline(config)
    if config.limits.max_chars is not None:
        # As in the local run: the note size limit is the guard; spaCy's own must not refuse first.
        nlp.max_length = max(nlp.max_length, config.limits.max_chars)
    result = annotate_batch(
        nlp, notes, config.batch_size, limits=config.limits, log_text=config.log_text
    )
    for record, words in zip(result.records, result.record_words, strict=True):
        index = where[record["id"]]
        found = {key: record[key] for key in ("categories", "sections", "entities")}
        out[index] = _row(rows[index], record["id"], OK, words=words, **found)
    for failure in result.failures:
        assert failure.note_id is not None  # a note that reached the pipeline has its id
        index = where[failure.note_id]
        out[index] = _failed_row(failure, rows[index])
    done = [row for row in out if row is not None]
    if len(done) != len(rows):
        missing = len(rows) - len(done)
        raise RuntimeError(f"{missing} notes of a batch got neither a record nor a failure")
    return done


def _row(row: dict[str, Any], note_id: str | None, status: str, **fields: Any) -> dict[str, Any]:
    """A record row (RECORD_SCHEMA); the fields not given are null (``from_pylist`` fills in
    every column of the schema that a row lacks)."""
    return {"id": note_id, "source": row[SOURCE], "status": status, "part": row[PART], **fields}


def _failed_row(rejected: Rejected, row: dict[str, Any]) -> dict[str, Any]:
    return _row(row, rejected.note_id, FAILED, reason=rejected.reason, detail=rejected.detail)
