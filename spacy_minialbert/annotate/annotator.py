"""The annotating end of a run, in this process or in a worker: :func:`~.batch.annotate_batch`
with the run's settings, keeping memory flat however many notes go through (see
:mod:`.memory`).

Worker processes for ``annotate --n-process N``: each loads the pipeline once and annotates
whole batches, returning plain records (cheap to send back). Processes are spawned, not forked:
a forked copy of a process whose PyTorch thread pool is already running can deadlock.

A worker ends with the process that started it, also when that process is killed outright
(SIGKILL runs no clean-up, and a worker left behind keeps its pipeline's memory, over a GB for
the demo pipeline): on Linux the kernel sends it SIGKILL when its parent dies
(``PR_SET_PDEATHSIG``); elsewhere a thread watches the parent's pid."""

from __future__ import annotations

import ctypes
import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence

from spacy.language import Language

from ..notes.records import Note
from .batch import BatchResult, annotate_batch
from .limits import NoteLimits
from .memory import bound_kernel_caches, needs_reload
from .pipeline import PipelineSpec, load_pipeline

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_WATCH_SECONDS = 0.5


class BatchAnnotator:
    """Annotates batch after batch. Given a :class:`PipelineSpec`, it loads the pipeline and,
    where spaCy cannot forget strings (3.7), loads it afresh every ``reload_every`` notes; a
    :class:`Language` given as it is cannot be reloaded, so its vocabulary grows with the run.
    ``say`` hears what loading did to the pipeline (ConText added), once."""

    def __init__(
        self,
        pipeline: Language | PipelineSpec,
        *,
        limits: NoteLimits,
        log_text: bool = False,
        reload_every: int | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        bound_kernel_caches()  # before the pipeline's first matrix product
        self.limits, self.log_text, self.reload_every = limits, log_text, reload_every
        self._spec = pipeline if isinstance(pipeline, PipelineSpec) else None
        self.nlp = pipeline if isinstance(pipeline, Language) else self._load(say)
        self._fit_max_length()
        self._since_load = 0
        self.reloads = 0

    def __call__(self, notes: Sequence[Note], batch_size: int) -> BatchResult:
        if self._spec is not None and needs_reload(self.nlp, self._since_load, self.reload_every):
            del self.nlp
            gc.collect()  # the old pipeline's memory is free before the new one is built
            self.nlp = self._load(None)
            self._fit_max_length()
            self._since_load = 0
            self.reloads += 1
        result = annotate_batch(
            self.nlp, notes, batch_size, limits=self.limits, log_text=self.log_text
        )
        self._since_load += len(notes)
        gc.collect()  # the batch's Docs (in reference cycles) are freed now, see .memory
        return result

    def _load(self, say: Callable[[str], None] | None) -> Language:
        assert self._spec is not None
        nlp, added = load_pipeline(self._spec)
        if added and say is not None:
            say(added)
        return nlp

    def _fit_max_length(self) -> None:
        if self.limits.max_chars is not None:
            # The note size limit is the guard; spaCy's own (1,000,000) must not refuse first.
            self.nlp.max_length = max(self.nlp.max_length, self.limits.max_chars)


_annotator: BatchAnnotator | None = None


def init_worker(
    spec: PipelineSpec,
    threads: int,
    parent_pid: int,
    limits: NoteLimits,
    log_text: bool = False,
    reload_every: int | None = None,
) -> None:
    """Process initialiser: end with ``parent_pid``; a share of the CPU threads; the pipeline
    (reloaded every ``reload_every`` notes, see :mod:`.memory`)."""
    global _annotator
    end_with_parent(parent_pid)
    import torch

    torch.set_num_threads(threads)
    _annotator = BatchAnnotator(spec, limits=limits, log_text=log_text, reload_every=reload_every)


def run_batch(notes: Sequence[Note], batch_size: int) -> BatchResult:
    if _annotator is None:
        raise RuntimeError("worker used before init_worker loaded the pipeline")
    return _annotator(notes, batch_size)


def end_with_parent(parent_pid: int) -> None:
    """Make this process end when ``parent_pid`` (its parent) does."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    else:
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before the request above took effect
        os._exit(1)


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(_WATCH_SECONDS)
    os._exit(1)
