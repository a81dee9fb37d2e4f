"""``spacy-minialbert serve``: the HTTP service. Every option falls back to an environment
variable ``SPACY_MINIALBERT_SERVE_<OPTION>`` (e.g. ``SPACY_MINIALBERT_SERVE_WORKERS``), the way
container deployments configure a service."""

from __future__ import annotations

from pathlib import Path

import typer

from .app import app

PREFIX = "SPACY_MINIALBERT_SERVE_"


def _env(name: str) -> str:
    return PREFIX + name


@app.command("serve")
def serve_command(
    model: str = typer.Argument(
        ..., help="Pipeline package name or directory.", envvar=_env("MODEL")
    ),
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to listen on (0.0.0.0: every interface).",
        envvar=_env("HOST"),
    ),
    port: int = typer.Option(8080, "--port", help="Port to listen on.", envvar=_env("PORT")),
    workers: int = typer.Option(
        1,
        "--workers",
        help="Worker processes, each with its own copy of the pipeline.",
        envvar=_env("WORKERS"),
    ),
    threads: int | None = typer.Option(
        None,
        "--threads",
        help="Torch threads per worker (default: the available cores divided by the workers).",
        envvar=_env("THREADS"),
    ),
    max_batch_notes: int = typer.Option(
        32,
        "--max-batch-notes",
        help="Notes gathered from requests into one nlp.pipe batch.",
        envvar=_env("MAX_BATCH_NOTES"),
    ),
    max_wait_ms: float = typer.Option(
        5.0,
        "--max-wait-ms",
        help="How long a note arriving at an idle queue waits for others to join its batch.",
        envvar=_env("MAX_WAIT_MS"),
    ),
    max_queue_notes: int = typer.Option(
        256,
        "--max-queue-notes",
        help="Notes admitted and unanswered per worker; beyond them, 503 with Retry-After.",
        envvar=_env("MAX_QUEUE_NOTES"),
    ),
    max_notes_per_request: int = typer.Option(
        64,
        "--max-notes-per-request",
        help="More notes in one request: 413.",
        envvar=_env("MAX_NOTES_PER_REQUEST"),
    ),
    max_note_chars: int = typer.Option(
        200_000,
        "--max-note-chars",
        help="A longer note: 413.",
        envvar=_env("MAX_NOTE_CHARS"),
    ),
    max_request_bytes: int = typer.Option(
        16 * 1024 * 1024,
        "--max-request-bytes",
        help="A larger request body: 413.",
        envvar=_env("MAX_REQUEST_BYTES"),
    ),
    graceful_timeout: float = typer.Option(
        30.0,
        "--graceful-timeout",
        help="Seconds a shutdown waits for the requests in flight before closing them.",
        envvar=_env("GRACEFUL_TIMEOUT"),
    ),
    context: bool = typer.Option(
        True,
        "--context/--no-context",
        help="Add sentences, sectionizer and ConText when MODEL has no ConText.",
        envvar=_env("CONTEXT"),
    ),
    code: list[str] = typer.Option(
        [],
        "--code",
        help="Python file with custom components to import first (repeatable).",
        envvar=_env("CODE"),
    ),
    omop_concepts: Path | None = typer.Option(
        None,
        "--omop-concepts",
        help="Concept mapping CSV (kind,name,concept_id) for NOTE_NLP rows (?omop=true).",
        envvar=_env("OMOP_CONCEPTS"),
    ),
    omop_ids_per_note: int = typer.Option(
        1000,
        "--omop-ids-per-note",
        help="NOTE_NLP ids per note (note_nlp_id = note_id * this + ordinal).",
        envvar=_env("OMOP_IDS_PER_NOTE"),
    ),
    log_level: str = typer.Option(
        "info",
        "--log-level",
        help="debug, info, warning or error.",
        envvar=_env("LOG_LEVEL"),
    ),
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
