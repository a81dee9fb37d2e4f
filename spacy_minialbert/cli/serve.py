"""``spacy-minialbert serve``: the HTTP service. Every option falls back to an environment
variable ``SPACY_MINIALBERT_SERVE_<OPTION>`` (e.g. ``SPACY_MINIALBERT_SERVE_WORKERS``), the way
container deployments configure a service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from .app import app

PREFIX = "SPACY_MINIALBERT_SERVE_"


def _option(default: Any, flags: str, help: str) -> Any:
    """A typer option whose environment variable is named after its flag: ``--max-wait-ms`` ->
    ``SPACY_MINIALBERT_SERVE_MAX_WAIT_MS`` (``--context/--no-context`` -> ``..._CONTEXT``)."""
    name = flags.split("/")[0].removeprefix("--").replace("-", "_").upper()
    return typer.Option(default, flags, help=help, envvar=PREFIX + name)


@app.command("serve")
def serve_command(
    model: str = typer.Argument(
        ..., help="Pipeline package name or directory.", envvar=PREFIX + "MODEL"
    ),
    host: str = _option("127.0.0.1", "--host", "Address to listen on (0.0.0.0: every interface)."),
    port: int = _option(8080, "--port", "Port to listen on."),
    workers: int = _option(
        1, "--workers", "Worker processes, each with its own copy of the pipeline."
    ),
    threads: int | None = _option(
        None,
        "--threads",
        "Torch threads per worker (default: the available cores divided by the workers).",
    ),
    max_batch_notes: int = _option(
        32, "--max-batch-notes", "Notes gathered from requests into one nlp.pipe batch."
    ),
    max_wait_ms: float = _option(
        5.0,
        "--max-wait-ms",
        "How long a note arriving at an idle queue waits for others to join its batch.",
    ),
    max_queue_notes: int = _option(
        256,
        "--max-queue-notes",
        "Notes admitted and unanswered per worker; beyond them, 503 with Retry-After.",
    ),
    max_notes_per_request: int = _option(
        64, "--max-notes-per-request", "More notes in one request: 413."
    ),
    max_note_chars: int = _option(200_000, "--max-note-chars", "A longer note: 413."),
    max_request_bytes: int = _option(
        16 * 1024 * 1024, "--max-request-bytes", "A larger request body: 413."
    ),
    graceful_timeout: float = _option(
        30.0,
        "--graceful-timeout",
        "Seconds a shutdown waits for the requests in flight before closing them.",
    ),
    context: bool = _option(
        True,
        "--context/--no-context",
        "Add sentences, sectionizer and ConText when MODEL has no ConText.",
    ),
    code: list[str] = _option(
        [], "--code", "Python file with custom components to import first (repeatable)."
    ),
    omop_concepts: Path | None = _option(
        None,
        "--omop-concepts",
        "Concept mapping CSV (kind,name,concept_id) for NOTE_NLP rows (?omop=true).",
    ),
    omop_ids_per_note: int = _option(
        1000,
        "--omop-ids-per-note",
        "NOTE_NLP ids per note (note_nlp_id = note_id * this + ordinal).",
    ),
    log_level: str = _option("info", "--log-level", "debug, info, warning or error."),
) -> None:
    """Serve MODEL over HTTP: POST /v1/annotate (one note or an array), GET /health, /ready,
    /v1/model, and the OpenAPI docs at /docs.

    Requests arriving together are annotated in one batch. The logs carry request ids, note
    counts, sizes and timings, never note text.
    """
    from ..serve.runner import run_server
    from ..serve.settings import ServeSettings

    for path in code:
        if not Path(path).is_file():
            raise ValueError(f"--code {path}: no such file.")
    if omop_concepts is not None:
        from ..omop import read_concept_map

        read_concept_map(omop_concepts)  # a bad mapping fails now, not at the first request

    settings = ServeSettings(
        model=model, add_context=context, code=tuple(code), host=host, port=port,
        workers=workers, threads=threads, max_batch_notes=max_batch_notes,
        max_wait_ms=max_wait_ms, max_queue_notes=max_queue_notes,
        max_notes_per_request=max_notes_per_request, max_note_chars=max_note_chars,
        max_request_bytes=max_request_bytes, graceful_timeout_s=graceful_timeout,
        log_level=log_level.lower(),
        omop_concepts=str(omop_concepts) if omop_concepts else None,
        omop_ids_per_note=omop_ids_per_note,
    )  # fmt: skip
    run_server(settings)
