"""Micro-batching across requests: one worker thread owns the pipeline and annotates batches
gathered from every request waiting.

Why a thread: the annotation is CPU work (torch and spaCy) and must not block the event loop that
keeps answering health checks and accepting requests; one thread per process owns the pipeline, so
it is loaded once and never used by two threads at a time. Why gathering: ``nlp.pipe`` over many
notes is much faster per note than one note at a time, so the first note of an idle queue waits up
to ``max_wait_ms`` for others to join its batch; under load the queue is never idle and batches
form without waiting.

Back-pressure: at most ``max_queue_notes`` notes are admitted and unanswered at a time; beyond that
``submit`` refuses (the app answers 503 with Retry-After) instead of letting latency grow without
bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language

from ..annotate.batch import annotate_batch
from ..annotate.limits import NoteLimits
from ..annotate.records import NoteRecord
from ..notes.records import Note, Rejected

log = logging.getLogger(__name__)

NO_RESULT = "no result"
WARMUP_TEXT = "CHIEF COMPLAINT:\nPatient denies chest pain .\n"


class QueueFull(Exception):
    """The queue cannot take these notes now; retry after ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"the queue is full; retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


class NotReady(Exception):
    """The pipeline is still loading (or failed to load), or the service is shutting down."""


@dataclass
class Outcome:
    """What became of a batch's notes: each one's record or failure by the note's source (unique
    within the service: request id and position), and how long one request's notes waited and
    ran."""

    results: dict[str, NoteRecord | Rejected] = field(default_factory=dict)
    queue_s: float = 0.0
    annotate_s: float = 0.0
    batch_notes: int = 0

    def result_for(self, note: Note) -> NoteRecord | Rejected:
        """The note's record or failure; a note the batch did not account for is a failure too
        (never dropped silently)."""
        if note.source in self.results:
            return self.results[note.source]
        return Rejected(
            note.note_id, note.source, "failed", NO_RESULT, "the batch returned nothing for it"
        )


@dataclass
class _Job:
    notes: list[Note]
    future: asyncio.Future[Outcome]
    loop: asyncio.AbstractEventLoop
    enqueued: float


_STOP = object()


class MicroBatcher:
    """Load the pipeline in a worker thread, warm it, then annotate gathered batches."""

    def __init__(
        self,
        load: Callable[[], Language],
        *,
        max_batch_notes: int,
        max_wait_ms: float,
        max_queue_notes: int,
        threads: int | None = None,
        max_note_chars: int | None = None,
    ) -> None:
        self._load = load
        self.max_batch_notes = max_batch_notes
        self.max_wait_s = max_wait_ms / 1000.0
        self.max_queue_notes = max_queue_notes
        self.threads = threads
        # No time limit: annotate's is a SIGALRM, which only the main thread receives, and this
        # is not the main thread. The size limit is the app's 413, kept here as a second guard.
        self.limits = NoteLimits(max_chars=max_note_chars, seconds=None)
        self.nlp: Language | None = None
        self.load_error: str | None = None
        self.ready = threading.Event()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._carry: _Job | None = None
        self._lock = threading.Lock()
        self.pending_notes = 0  # admitted and not yet answered
        self.closing = False
        self._notes_per_s: float | None = None
        self._thread = threading.Thread(target=self._run, name="pipeline", daemon=True)

    # -- event loop side ---------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def submit(self, notes: Sequence[Note]) -> asyncio.Future[Outcome]:
        """A future of the notes' outcome; QueueFull or NotReady if they cannot be taken now."""
        if self.closing:
            raise NotReady("the service is shutting down")
        if not self.ready.is_set():
            raise NotReady(self.load_error or "the pipeline is still loading")
        with self._lock:
            if self.pending_notes + len(notes) > self.max_queue_notes:
                raise QueueFull(self._retry_after_s())
            self.pending_notes += len(notes)
        loop = asyncio.get_running_loop()
        job = _Job(list(notes), loop.create_future(), loop, time.monotonic())
        self._queue.put(job)
        return job.future

    def close(self, timeout_s: float | None = None) -> bool:
        """Refuse new notes, let the thread finish every admitted one, and wait for it; False if
        it is still busy after ``timeout_s``."""
        self.closing = True
        self._queue.put(_STOP)
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _retry_after_s(self) -> int:
        """Seconds until the queue has room again, from the throughput measured so far."""
        if not self._notes_per_s:
            return 1
        return max(1, min(60, math.ceil(self.pending_notes / self._notes_per_s)))

    # -- worker thread side ------------------------------------------------------------------

    def _run(self) -> None:
        try:
            if self.threads is not None:
                import torch

                torch.set_num_threads(self.threads)
            nlp = self._load()
            # Warm-up: the first call allocates buffers and fills caches; a readiness probe
            # should not send traffic to a pipeline whose first request is slow.
            annotate_batch(nlp, [Note("warm-up", WARMUP_TEXT, "warm-up")], 1)
        except Exception as error:  # reported by /ready and /health, and logged
            self.load_error = f"the pipeline failed to load: {type(error).__name__}: {error}"
            log.error("%s", self.load_error)
            return
        self.nlp = nlp
        self.ready.set()
        import torch

        log.info("pipeline ready (%d torch threads)", torch.get_num_threads())
        while True:
            jobs, stop = self._gather()
            if jobs:
                self._annotate(nlp, jobs)
            if stop:
                return

    def _gather(self) -> tuple[list[_Job], bool]:
        """The next batch of jobs (at least one, unless stopping), and whether to stop after it.

        Waits for the first job; then takes what else is queued until ``max_batch_notes``, waiting
        at most until ``max_wait_s`` after the first job arrived. A job is never split: a request
        larger than the batch limit is a batch of its own."""
        first = self._carry if self._carry is not None else self._queue.get()
        self._carry = None
        if first is _STOP:
            return [], True
        jobs: list[_Job] = [first]
        n_notes = len(first.notes)
        deadline = first.enqueued + self.max_wait_s
        while n_notes < self.max_batch_notes:
            remaining = deadline - time.monotonic()
            try:  # a timeout of 0 (the deadline passed): only what is queued already
                job = self._queue.get(timeout=max(remaining, 0))
            except queue.Empty:
                break
            if job is _STOP:
                return jobs, True
            if n_notes + len(job.notes) > self.max_batch_notes:
                self._carry = job
                break
            jobs.append(job)
            n_notes += len(job.notes)
        return jobs, False

    def _annotate(self, nlp: Language, jobs: list[_Job]) -> None:
        notes = [note for job in jobs for note in job.notes]
        started = time.monotonic()
        try:
            result = annotate_batch(nlp, notes, self.max_batch_notes, limits=self.limits)
        except Exception as error:  # annotate_batch isolates note failures; this is a bug path
            for job in jobs:
                self._deliver(job, error)
            return
        elapsed = time.monotonic() - started
        if elapsed > 0:
            rate = len(notes) / elapsed
            self._notes_per_s = (
                rate if self._notes_per_s is None else 0.8 * self._notes_per_s + 0.2 * rate
            )
        # One table for the whole batch: each request looks up its own notes' sources.
        results: dict[str, NoteRecord | Rejected] = {r["source"]: r for r in result.records}
        results.update((failure.source, failure) for failure in result.failures)
        for job in jobs:
            waited = started - job.enqueued
            self._deliver(job, Outcome(results, waited, elapsed, batch_notes=len(notes)))

    def _deliver(self, job: _Job, value: Outcome | BaseException) -> None:
        with self._lock:
            self.pending_notes -= len(job.notes)
        # RuntimeError: the event loop is closed, and nobody is waiting for this answer.
        with contextlib.suppress(RuntimeError):
            job.loop.call_soon_threadsafe(_settle, job.future, value)


def _settle(future: asyncio.Future[Outcome], value: Outcome | BaseException) -> None:
    if future.done():  # the client went away and its request was cancelled
        return
    if isinstance(value, BaseException):
        future.set_exception(value)
    else:
        future.set_result(value)
