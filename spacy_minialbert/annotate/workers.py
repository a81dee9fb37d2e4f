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

from ..notes.records import Note
from .annotator import BatchAnnotator
from .batch import BatchResult
from .limits import NoteLimits
from .pipeline import PipelineSpec

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_WATCH_SECONDS = 0.5

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
