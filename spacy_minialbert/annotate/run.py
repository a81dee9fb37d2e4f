"""The annotate run: stream the input, annotate in batches, write as it goes, count everything.

Memory stays bounded whatever the input's size: the readers stream it, at most a few batches of
notes are held at once, and what grows with the input is only the set of ids already written
(needed to skip them on a re-run, and to catch an id that occurs twice).

The output is guarded before anything is written: it may not be the input or lie in an input
folder (:mod:`.provenance`), one run at a time holds it (:mod:`.lock`), and a non-empty output is
only resumed from the input it was written from.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from spacy.language import Language
from tqdm import tqdm

from ..notes.records import ALREADY_DONE, DUPLICATE_ID, Note, NoteSource, Rejected
from .annotator import BatchAnnotator, init_worker, run_batch
from .batch import BatchResult
from .limits import NoteLimits
from .lock import LOCK_SUFFIX, OutputLock
from .memory import DEFAULT_RELOAD_EVERY, bound_kernel_caches
from .output import ErrorLog, JsonlWriter, companion, export_entities_csv, scan_output
from .pipeline import PipelineSpec
from .provenance import INPUTS_SUFFIX, check_resume_input, check_written_paths, identify_source
from .summary import Summary

ERRORS_SUFFIX = ".errors.jsonl"
SUMMARY_SUFFIX = ".summary.json"


@dataclass(frozen=True)
class RunOptions:
    """batch_size: notes per ``nlp.pipe`` batch, and per write to disk (what a crash can lose).
    n_process: worker processes (each loads the pipeline; needs a ``PipelineSpec``).
    entities_csv: also write the entities as CSV here when the run ends.
    limits: the per-note size and time guards.
    log_text: keep a component's exception message, which may quote the note, in its failure
    (by default no note text reaches the errors file, the logs or the summary).
    new_input: resume a non-empty output from an input other than the one it was written from.
    say: where to tell what the run did to the pipeline it loaded (ConText added), if anywhere.
    reload_every: load the pipeline afresh every so many notes, where spaCy cannot forget the
    strings it met (3.7; see :mod:`.memory`); only a pipeline given as a ``PipelineSpec``."""

    batch_size: int = 32
    n_process: int = 1
    progress: bool = True
    entities_csv: Path | None = None
    limits: NoteLimits = field(default_factory=NoteLimits)
    new_input: bool = False
    log_text: bool = False
    say: Callable[[str], None] | None = None
    reload_every: int | None = DEFAULT_RELOAD_EVERY

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"The batch size must be at least 1, not {self.batch_size}.")
        if self.n_process < 1:
            raise ValueError(f"The number of processes must be at least 1, not {self.n_process}.")
        if self.reload_every is not None and self.reload_every < 1:
            raise ValueError(f"reload_every must be at least 1 note, not {self.reload_every}.")


def annotate(
    pipeline: Language | PipelineSpec,
    source: NoteSource,
    output: Path,
    options: RunOptions = RunOptions(),
) -> Summary:
    """Annotate every note of ``source`` into ``output`` (JSONL), resuming a previous run.

    Writes ``<output stem>.errors.jsonl`` (each failed record and why, kept across runs),
    ``<output stem>.summary.json`` and ``<output stem>.input.json`` (the input's identity), and
    holds ``<output stem>.lock`` while it runs; returns the summary."""
    if options.n_process > 1 and isinstance(pipeline, Language):
        raise ValueError("Several processes need the pipeline as a PipelineSpec (name or path).")
    errors_path = companion(output, ERRORS_SUFFIX)
    summary_path = companion(output, SUMMARY_SUFFIX)
    written = [output, errors_path, summary_path, companion(output, LOCK_SUFFIX)]
    written += [companion(output, INPUTS_SUFFIX)]
    written += [options.entities_csv] if options.entities_csv is not None else []
    check_written_paths(Path(source.path), written)
    with OutputLock(output):
        identity = identify_source(source)
        check_resume_input(output, errors_path, identity, new_input=options.new_input)
        summary = _run(pipeline, source, output, errors_path, options)
        summary.input_identity = identity
        summary_path.write_text(json.dumps(summary.to_json(), indent=2) + "\n")
    if options.entities_csv is not None:
        export_entities_csv(output, options.entities_csv)
    return summary


def _run(
    pipeline: Language | PipelineSpec,
    source: NoteSource,
    output: Path,
    errors_path: Path,
    options: RunOptions,
) -> Summary:
    state = scan_output(output)
    summary = Summary(str(source.path), str(output), str(errors_path))
    summary.resumed_from = len(state.done)
    summary.removed_partial_line = state.removed_bytes > 0
    started = time.monotonic()
    progress = _Progress(source, enabled=options.progress)
    with JsonlWriter(output) as records, ErrorLog(errors_path) as errors:
        sink = _Sink(records, errors, summary, progress)
        batches = _batches(source, state.done, options.batch_size, sink)
        try:
            if options.n_process == 1:
                annotator = BatchAnnotator(
                    pipeline,
                    limits=options.limits,
                    log_text=options.log_text,
                    reload_every=options.reload_every,
                    say=options.say,
                )
                for batch in batches:
                    sink.take(annotator(batch, options.batch_size))
            else:
                assert isinstance(pipeline, PipelineSpec)
                _run_parallel(pipeline, batches, options, sink)
        finally:
            # Also when the run is interrupted: the failures met so far are not lost.
            sink.flush_failures()
            progress.close()
    summary.seconds = time.monotonic() - started
    summary.check()
    return summary


class _Sink:
    """Where results go: records to the output, failures to the errors file, all to the tally."""

    def __init__(
        self, records: JsonlWriter, errors: JsonlWriter, summary: Summary, progress: _Progress
    ) -> None:
        self.records, self.errors, self.summary, self.progress = records, errors, summary, progress
        self._failures: list[Rejected] = []

    def reject(self, rejected: Rejected) -> None:
        self.summary.read += 1
        self.summary.add_rejected(rejected)
        if rejected.outcome == "failed":
            self._failures.append(rejected)

    def take(self, result: BatchResult) -> None:
        self.records.write(result.records)
        self.summary.read += len(result.records) + len(result.failures)
        self.summary.add_written(len(result.records), result.words)
        for failure in result.failures:
            self.summary.add_rejected(failure)
        self._failures.extend(result.failures)
        self.flush_failures()
        self.progress.update(
            notes=self.summary.written, words=self.summary.words, failed=self.summary.n_failed
        )

    def flush_failures(self) -> None:
        self.errors.write(failure.to_json() for failure in self._failures)
        self._failures.clear()


def _batches(source: NoteSource, done: set[str], size: int, sink: _Sink) -> Iterator[list[Note]]:
    """Notes to annotate in batches of ``size``; everything else goes straight to ``sink``.

    The first record of an id is the one annotated (or skipped as already annotated on a
    re-run); every later record with that id is a duplicate, on every run alike."""
    seen: set[str] = set()
    batch: list[Note] = []
    for item in source.items():
        if isinstance(item, Rejected):
            sink.reject(item)
        elif item.note_id in seen:
            detail = "an earlier record of this input has the same id"
            sink.reject(Rejected(item.note_id, item.source, "failed", DUPLICATE_ID, detail))
        elif item.note_id in done:
            done.discard(item.note_id)  # moved to `seen`: each id is held once
            seen.add(item.note_id)
            sink.reject(Rejected(item.note_id, item.source, "skipped", ALREADY_DONE))
        else:
            seen.add(item.note_id)
            batch.append(item)
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


def _run_parallel(
    spec: PipelineSpec, batches: Iterator[list[Note]], options: RunOptions, sink: _Sink
) -> None:
    """Batches to worker processes, at most two per worker in flight (the input is read no
    faster than it is annotated), results written in input order. The workers end with this
    process, also when it is killed (:func:`.annotator.init_worker`)."""
    bound_kernel_caches()  # the workers inherit the setting
    threads = max(1, (os.cpu_count() or 1) // options.n_process)
    in_flight: deque[Future[BatchResult]] = deque()
    with ProcessPoolExecutor(
        max_workers=options.n_process,
        mp_context=get_context("spawn"),
        initializer=init_worker,
        initargs=(
            spec,
            threads,
            os.getpid(),
            options.limits,
            options.log_text,
            options.reload_every,
        ),
    ) as pool:
        try:
            for batch in batches:
                in_flight.append(pool.submit(run_batch, batch, options.batch_size))
                while len(in_flight) >= 2 * options.n_process:
                    sink.take(in_flight.popleft().result())
            while in_flight:
                sink.take(in_flight.popleft().result())
        except BaseException:
            # Interrupted: do not annotate the batches queued behind (their results would be
            # thrown away), only let the running ones end.
            pool.shutdown(wait=True, cancel_futures=True)
            raise


class _Progress:
    """The progress bar: notes done, words per second, and an ETA from how far into the input
    the reader is (bytes of a file, or files of a folder), so nothing has to be counted in
    advance."""

    def __init__(self, source: NoteSource, *, enabled: bool = True) -> None:
        byte_unit = source.unit == "B"
        self._source = source
        self._bar = tqdm(
            total=source.total,
            unit=source.unit,
            unit_scale=byte_unit,
            unit_divisor=1024 if byte_unit else 1000,
            desc="annotate",
            disable=not enabled,
            dynamic_ncols=True,
            smoothing=0.05,
        )
        self._start = time.monotonic()
        self._shown = 0

    def update(self, *, notes: int, words: int, failed: int) -> None:
        position = self._source.position()
        if self._bar.total is not None:
            position = min(position, self._bar.total)
        self._bar.update(position - self._shown)
        self._shown = position
        elapsed = max(time.monotonic() - self._start, 1e-9)
        self._bar.set_postfix(notes=f"{notes:,}", words_s=f"{words / elapsed:,.0f}", failed=failed)

    def close(self) -> None:
        self._bar.close()
