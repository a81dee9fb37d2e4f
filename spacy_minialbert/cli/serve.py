"""``spacy-minialbert serve``: the HTTP service. Every option falls back to an environment
variable ``SPACY_MINIALBERT_SERVE_<OPTION>`` (e.g. ``SPACY_MINIALBERT_SERVE_WORKERS``), the way
container deployments configure a service."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import typer

from ..serve.settings import ServeSettings
from .app import app

PREFIX = "SPACY_MINIALBERT_SERVE_"
DEFAULTS = {item.name: item.default for item in dataclasses.fields(ServeSettings)}


def _option(flags: str, help: str, setting: str | None = None) -> Any:
    """A typer option whose environment variable is named after its flag: ``--max-wait-ms`` ->
    ``SPACY_MINIALBERT_SERVE_MAX_WAIT_MS`` (``--context/--no-context`` -> ``..._CONTEXT``), and
    whose default is that of the :class:`ServeSettings` field ``setting`` (by default, the one
    named after the flag)."""
    name = flags.split("/")[0].removeprefix("--").replace("-", "_")
    return typer.Option(DEFAULTS[setting or name], flags, help=help, envvar=PREFIX + name.upper())


@app.command("serve")
def serve_command(
    model: str = typer.Argument(
        ..., help="Pipeline package name or directory.", envvar=PREFIX + "MODEL"
    ),
    host: str = _option("--host", "Address to listen on (0.0.0.0: every interface)."),
    port: int = _option("--port", "Port to listen on."),
    workers: int = _option(
        "--workers", "Worker processes, each with its own copy of the pipeline."
    ),
    threads: int | None = _option(
        "--threads",
        "Torch threads per worker (default: the available cores divided by the workers).",
    ),
    max_batch_notes: int = _option(
        "--max-batch-notes", "Notes gathered from requests into one nlp.pipe batch."
    ),
    max_wait_ms: float = _option(
        "--max-wait-ms",
        "How long a note arriving at an idle queue waits for others to join its batch.",
    ),
    max_queue_notes: int = _option(
        "--max-queue-notes",
        "Notes admitted and unanswered per worker; beyond them, 503 with Retry-After.",
    ),
    max_notes_per_request: int = _option(
        "--max-notes-per-request", "More notes in one request: 413."
    ),
    max_note_chars: int = _option("--max-note-chars", "A longer note: 413."),
    max_request_bytes: int = _option("--max-request-bytes", "A larger request body: 413."),
    graceful_timeout: float = _option(
        "--graceful-timeout",
        setting="graceful_timeout_s",
        help="Seconds a shutdown waits for the requests in flight before closing them.",
    ),
    context: bool = _option(
        "--context/--no-context",
        setting="add_context",
        help="Add sentences, sectionizer and ConText when MODEL has no ConText.",
    ),
    code: list[str] = typer.Option(
        [],
        "--code",
        help="Python file with custom components to import first (repeatable).",
        envvar=PREFIX + "CODE",
    ),
    omop_concepts: Path | None = _option(
        "--omop-concepts",
        "Concept mapping CSV (kind,name,concept_id) for NOTE_NLP rows (?omop=true).",
    ),
    omop_ids_per_note: int = _option(
        "--omop-ids-per-note",
        "NOTE_NLP ids per note (note_nlp_id = note_id * this + ordinal).",
    ),
    log_level: str = _option("--log-level", "debug, info, warning or error."),
) -> None:
    """Serve MODEL over HTTP: POST /v1/annotate (one note or an array), GET /health, /ready,
    /v1/model, and the OpenAPI docs at /docs.

    Requests arriving together are annotated in one batch. The logs carry request ids, note
    counts, sizes and timings, never note text.
    """
    from ..serve.runner import run_server

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
