"""Worker processes for ``annotate --n-process N``: each loads the pipeline once and annotates
whole batches, returning plain records (cheap to send back). Processes are spawned, not forked:
a forked copy of a process whose PyTorch thread pool is already running can deadlock.

A worker ends with the process that started it, also when that process is killed outright
(SIGKILL runs no clean-up, and a worker left behind keeps its pipeline's memory, over a GB for
the demo pipeline): on Linux the kernel sends it SIGKILL when its parent dies
(``PR_SET_PDEATHSIG``); elsewhere a thread watches the parent's pid.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence

from spacy.language import Language

from .batch import BatchResult, annotate_batch
from .limits import NoteLimits
from .notes import Note
from .pipeline import PipelineSpec, load_pipeline

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_WATCH_SECONDS = 0.5

_nlp: Language | None = None
_limits = NoteLimits()
_log_text = False


def init_worker(
    spec: PipelineSpec, threads: int, parent_pid: int, limits: NoteLimits, log_text: bool = False
) -> None:
    """Process initialiser: end with ``parent_pid``; a share of the CPU threads; the pipeline."""
    global _nlp, _limits, _log_text
    end_with_parent(parent_pid)
    import torch

    torch.set_num_threads(threads)
    _nlp, _ = load_pipeline(spec)
    _limits = limits
    _log_text = log_text
    if limits.max_chars is not None:
        # The note size limit is the guard; spaCy's own (1,000,000) must not refuse first.
        _nlp.max_length = max(_nlp.max_length, limits.max_chars)


def run_batch(notes: Sequence[Note], batch_size: int) -> BatchResult:
    if _nlp is None:
        raise RuntimeError("worker used before init_worker loaded the pipeline")
    return annotate_batch(_nlp, notes, batch_size, limits=_limits, log_text=_log_text)


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
