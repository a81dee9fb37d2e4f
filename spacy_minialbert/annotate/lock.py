"""One run at a time per output: an OS file lock on ``<output stem>.lock``.

Two runs appending to one output would each skip only the ids written before they started and
write the rest twice. The lock is ``flock`` on a companion file, taken before the output is read
and held until the run ends; the OS releases it when the process ends, however it ends (a killed
run leaves no stale lock to clear by hand). The file itself stays, holding the pid of the last
run that took it: removing it while held would let a third run lock a new file beside it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from .output import companion

LOCK_SUFFIX = ".lock"


class OutputInUse(OSError):
    """Another process holds the output's lock."""


class OutputLock:
    """``with OutputLock(output):`` the run's exclusive hold on ``output``; raises
    :class:`OutputInUse` at once (no waiting) if another run holds it."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.path = companion(output, LOCK_SUFFIX)
        self._handle: IO[str] | None = None

    def __enter__(self) -> OutputLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            by = f" by process {holder}" if holder.isdigit() else ""
            raise OutputInUse(
                f"{self.output}: another annotate run is writing this output (its lock "
                f"{self.path} is held{by}). Wait for that run to end, or give another OUTPUT."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the last descriptor releases the lock
            self._handle = None
