"""What the service is configured with, and how the settings reach uvicorn's worker processes.

With ``--workers N`` uvicorn starts N processes that each import the app factory: the settings
travel to them as JSON in one environment variable (``SERVE_SETTINGS_ENV``), so every worker runs
with exactly what the command resolved from its flags and ``SPACY_MINIALBERT_SERVE_*`` variables.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

SERVE_SETTINGS_ENV = "SPACY_MINIALBERT_SERVE_SETTINGS"


def available_cores() -> int:
    """The cores this process may run on (the affinity mask, e.g. under taskset or a container's
    cpuset), not every core of the machine."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class ServeSettings:
    """model: pipeline package name or directory; add_context: add sentences, sectionizer and
    ConText when it has none (as ``annotate`` does); code: Python files to import first (custom
    components), as ``spacy train --code``.

    max_batch_notes: notes gathered into one ``nlp.pipe`` batch (also its batch size);
    max_wait_ms: how long the first note of an idle queue waits for others to join its batch;
    max_queue_notes: notes admitted and not yet answered (waiting or being annotated), beyond which
    a request gets 503 with Retry-After; max_notes_per_request, max_note_chars and
    max_request_bytes: over them, 413.

    workers: uvicorn worker processes, each with its own pipeline; threads: torch threads per
    worker (None: the available cores divided by the workers, at least 1).

    omop_concepts: the concept mapping CSV for NOTE_NLP rows (``?omop=true``); omop_ids_per_note:
    NOTE_NLP ids per note, as ``annotate-omop --ids-per-note``."""

    model: str
    add_context: bool = True
    code: tuple[str, ...] = field(default_factory=tuple)
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    threads: int | None = None
    max_batch_notes: int = 32
    max_wait_ms: float = 5.0
    max_queue_notes: int = 256
    max_notes_per_request: int = 64
    max_note_chars: int = 200_000
    max_request_bytes: int = 16 * 1024 * 1024
    graceful_timeout_s: float = 30.0
    log_level: str = "info"
    omop_concepts: str | None = None
    omop_ids_per_note: int = 1000

    def __post_init__(self) -> None:
        at_least_one = (
            "workers", "max_batch_notes", "max_queue_notes", "max_notes_per_request",
            "max_note_chars", "max_request_bytes", "omop_ids_per_note",
            "threads",  # None: from the cores
        )  # fmt: skip
        for name in at_least_one:
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1, not {value}.")
        for name in ("max_wait_ms", "graceful_timeout_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, not {getattr(self, name)}.")
        if self.max_notes_per_request > self.max_queue_notes:
            # Such a request could never be admitted: it would get 503 forever, not a clear 413.
            raise ValueError(
                f"max_notes_per_request ({self.max_notes_per_request}) must not exceed "
                f"max_queue_notes ({self.max_queue_notes})."
            )

    @property
    def torch_threads(self) -> int:
        """Torch threads of each worker: the cores are shared, not oversubscribed N times."""
        if self.threads is not None:
            return self.threads
        return max(1, available_cores() // self.workers)

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ServeSettings:
        raw = (os.environ if environ is None else environ).get(SERVE_SETTINGS_ENV)
        if raw is None:
            raise RuntimeError(
                f"{SERVE_SETTINGS_ENV} is not set: start the service with `spacy-minialbert "
                "serve MODEL`, or pass the settings to create_app()."
            )
        values = json.loads(raw)
        values["code"] = tuple(values.get("code", ()))
        return cls(**values)
