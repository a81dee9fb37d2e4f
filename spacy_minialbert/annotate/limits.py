"""Per-note guards: a note too long, or too slow to annotate, becomes a failed record with its
reason instead of stalling a run (one note with a 300,000-character run of ``=`` once took hours
in the tokenizer).

The size limit holds everywhere. The time limit interrupts the work with ``SIGALRM``, which Unix
delivers only to a process's main thread: the local run, its worker processes and Spark's Python
workers annotate there. Called from any other thread (a web server's thread pool), or where a
real-time timer is already armed by someone else, the time limit is not enforced
(:func:`time_limit_enforceable` says which); run such services with a process per worker to get
it.

The interruption is a :class:`NoteTimeout`, a ``BaseException`` so that a library's own
``except Exception`` cannot swallow it. Python runs the handler between bytecodes: work inside a
single long C call ends when that call returns to Python.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

# Reasons (the keys the summary counts failed records by).
NOTE_TOO_LONG = "note too long"
NOTE_TOO_SLOW = "note too slow"

DEFAULT_MAX_CHARS = 1_000_000
DEFAULT_SECONDS = 300.0


@dataclass(frozen=True)
class NoteLimits:
    """max_chars: a longer note fails without being annotated (None: no limit).
    seconds: the time one note may take, tokenizer and components together (None: no limit).
    A whole batch may take ``seconds`` per ``max_chars`` characters of its text, and at least
    ``seconds``; a batch over its budget is annotated again note by note, each note with its
    own budget, so only the slow note fails."""

    max_chars: int | None = DEFAULT_MAX_CHARS
    seconds: float | None = DEFAULT_SECONDS

    def __post_init__(self) -> None:
        if self.max_chars is not None and self.max_chars < 1:
            raise ValueError(f"The note size limit must be at least 1 character: {self.max_chars}")
        if self.seconds is not None and not self.seconds > 0:
            raise ValueError(f"The note time limit must be more than 0 seconds: {self.seconds}")

    @classmethod
    def from_options(cls, max_chars: int | None, seconds: float | None) -> NoteLimits:
        """The limits a command's options ask for: None keeps a default, 0 means no limit."""
        return cls(
            DEFAULT_MAX_CHARS if max_chars is None else max_chars or None,
            DEFAULT_SECONDS if seconds is None else seconds or None,
        )

    def too_long(self, text: str) -> str | None:
        """Why ``text`` is refused for its size (no text in the reason), or None."""
        if self.max_chars is None or len(text) <= self.max_chars:
            return None
        return f"{len(text):,} characters, more than the limit of {self.max_chars:,}"

    def batch_seconds(self, characters: int) -> float | None:
        """The budget of a batch holding ``characters`` characters of text."""
        if self.seconds is None:
            return None
        if self.max_chars is None:
            return self.seconds
        return self.seconds * max(1.0, characters / self.max_chars)


class NoteTimeout(BaseException):
    """The time budget of the work under :func:`time_limit` ran out."""


def time_limit_enforceable() -> bool:
    """Whether :func:`time_limit` can interrupt work started from the calling thread."""
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`NoteTimeout` in the block once it has run ``seconds`` (wall clock).

    Does nothing when ``seconds`` is None or the limit cannot be enforced here. The timer can
    fire as the block ends, so callers treat a ``NoteTimeout`` out of the ``with`` as the
    block's."""
    if seconds is None or not time_limit_enforceable():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _raise_timeout(signum: int, frame: FrameType | None) -> None:
    raise NoteTimeout()
