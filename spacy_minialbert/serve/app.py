"""The FastAPI application: annotate notes over HTTP, with health, readiness and model endpoints.

``create_app(settings)`` builds it; ``app_from_environment`` is the factory uvicorn's worker
processes import (the settings come from ``SERVE_SETTINGS_ENV``). The pipeline loads in the
micro-batcher's thread after the server starts, so ``/health`` answers at once and ``/ready``
says 503 until the pipeline is loaded and warmed.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from spacy.language import Language

from .. import __version__
from ..annotate.pipeline import PipelineSpec, load_pipeline
from ..annotate.records import NoteRecord
from ..notes.records import DUPLICATE_ID, Note, Rejected, check_note
from .batcher import MicroBatcher, NotReady, Outcome, QueueFull
from .middleware import AccessLog
from .omop import OmopRows
from .schemas import AnnotateBody, AnnotateResponse, ModelInfo, NoteIn, Problem
from .settings import ServeSettings

log = logging.getLogger("spacy_minialbert.serve")

SHAPE_HINT = (
    'Send one note as {"id": "...", "text": "...", "metadata": {...}} (metadata optional), '
    "or a JSON array of such notes."
)
OMOP_ROWS = "OMOP rows"
# The settings /v1/model reports (torch_threads: as resolved from the cores).
SERVICE_SETTINGS = (
    "workers", "torch_threads", "max_batch_notes", "max_wait_ms", "max_queue_notes",
    "max_notes_per_request", "max_note_chars", "max_request_bytes", "omop_ids_per_note",
)  # fmt: skip
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "description": "Too many notes, a note too long, or too many bytes."},
    422: {"model": Problem, "description": "Not JSON, or not the shape of a note or notes."},
    501: {"model": Problem, "description": "omop=true, but the omop extra is not installed."},
    503: {"model": Problem, "description": "Queue full or not ready: retry after Retry-After."},
}


def load_service_pipeline(settings: ServeSettings) -> Language:
    """Import the custom code, then load the pipeline as ``annotate`` does (adding ConText when it
    has none, unless told not to)."""
    from spacy.util import import_file

    for index, path in enumerate(settings.code):
        import_file(f"spacy_minialbert_serve_code_{index}", path)
    nlp, added = load_pipeline(PipelineSpec(settings.model, add_context=settings.add_context))
    if added:
        log.info("%s", added)
    return nlp


def create_app(settings: ServeSettings) -> FastAPI:
    batcher = MicroBatcher(
        lambda: load_service_pipeline(settings),
        max_batch_notes=settings.max_batch_notes,
        max_wait_ms=settings.max_wait_ms,
        max_queue_notes=settings.max_queue_notes,
        threads=settings.torch_threads,
        max_note_chars=settings.max_note_chars,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        batcher.start()
        yield
        # uvicorn has let the requests in flight finish (up to its graceful timeout); what is
        # still admitted is annotated before the process ends.
        drained = await asyncio.to_thread(batcher.close, settings.graceful_timeout_s)
        if not drained:
            log.warning("shutting down with %d notes unanswered", batcher.pending_notes)

    app = FastAPI(
        title="spacy-minialbert",
        version=__version__,
        summary="Clinical notes in, entities with ConText flags and sections, and categories out.",
        lifespan=lifespan,
    )
    app.state.batcher = batcher
    app.state.settings = settings
    app.add_middleware(AccessLog, max_bytes=settings.max_request_bytes)  # logs every answer
    app.add_exception_handler(RequestValidationError, _invalid_body)

    @app.get("/health", responses={503: {"model": Problem}})
    async def health() -> JSONResponse:
        """The process is alive (503 only if the pipeline failed to load: restart it)."""
        if batcher.load_error:
            return JSONResponse({"status": "failed", "detail": batcher.load_error}, 503)
        return JSONResponse({"status": "alive"})

    @app.get("/ready", responses={503: {"model": Problem}})
    async def ready() -> JSONResponse:
        """The pipeline is loaded and warmed, and the service is not shutting down."""
        if batcher.ready.is_set() and not batcher.closing:
            return JSONResponse({"status": "ready"})
        detail = batcher.load_error or (
            "shutting down" if batcher.closing else "the pipeline is still loading"
        )
        return _unavailable(detail, 1)

    @app.get("/v1/model", response_model=ModelInfo, responses={503: {"model": Problem}})
    async def model() -> Any:
        """The pipeline's name, version, components and labels, and the service's settings."""
        nlp = batcher.nlp
        if nlp is None:
            return _unavailable(batcher.load_error or "the pipeline is still loading", 1)
        return _model_info(nlp, settings)

    omop_rows: list[OmopRows] = []  # made at the first request that asks for rows

    @app.post("/v1/annotate", response_model=AnnotateResponse, responses=ERROR_RESPONSES)
    async def annotate(
        body: AnnotateBody,
        request: Request,
        omop: bool = Query(False, description="Also give each note's OMOP NOTE_NLP rows."),
    ) -> Any:
        """Annotate one note, or an array of notes. Each note's result is in the order sent:
        ``ok`` with the record ``spacy-minialbert annotate`` writes, or ``failed`` with the
        reason (a note that breaks a component fails alone; the others are answered).
        With ``omop=true``, each ``ok`` result also has its ``note_nlp`` rows (the ids must be
        integers: NOTE_NLP.note_id)."""
        info = request.state.access
        items = body if isinstance(body, list) else [body]
        info.notes = len(items)
        problem = _size_problem(items, settings) or (_omop_problem(items) if omop else None)
        if problem is not None:
            return problem
        checked = _checked_notes(items, info.request_id)
        notes = [note for note in checked if isinstance(note, Note)]
        outcome = Outcome()
        if notes:
            try:
                future = batcher.submit(notes)
            except QueueFull as full:
                return _unavailable(
                    f"The queue is full ({settings.max_queue_notes} notes); retry later.",
                    full.retry_after_s,
                )
            except NotReady as not_ready:
                return _unavailable(f"Not ready: {not_ready}.", 1)
            outcome = await future
            info.queue_ms = round(outcome.queue_s * 1000, 1)
            info.annotate_ms = round(outcome.annotate_s * 1000, 1)
            info.batch_notes = outcome.batch_notes
        results = [
            _result(item, note if isinstance(note, Rejected) else outcome.result_for(note))
            for item, note in zip(items, checked, strict=True)
        ]
        if omop and batcher.nlp is not None:
            if not omop_rows:  # off the event loop: the first one imports SQLAlchemy
                omop_rows.append(await asyncio.to_thread(OmopRows, settings, batcher.nlp.meta))
            for item, result in zip(items, results, strict=True):
                _add_rows(omop_rows[0], item, result)
        info.failed = sum(1 for result in results if result["status"] == "failed")
        return JSONResponse({"request_id": info.request_id, "results": results})

    return app


def app_from_environment() -> FastAPI:
    """The factory uvicorn runs in each worker process."""
    return create_app(ServeSettings.from_env())


def _size_problem(items: Sequence[NoteIn], settings: ServeSettings) -> JSONResponse | None:
    if not items:
        return JSONResponse({"detail": f"The array holds no notes. {SHAPE_HINT}"}, 422)
    if len(items) > settings.max_notes_per_request:
        detail = (
            f"{len(items)} notes in one request; the limit is "
            f"{settings.max_notes_per_request} (max_notes_per_request)."
        )
        return JSONResponse({"detail": detail}, 413)
    for index, item in enumerate(items):
        if len(item.text) > settings.max_note_chars:
            detail = (
                f"Note {index} (id {item.id!r}) has {len(item.text)} characters; "
                f"the limit is {settings.max_note_chars} (max_note_chars)."
            )
            return JSONResponse({"detail": detail}, 413)
    return None


def _omop_problem(items: Sequence[NoteIn]) -> JSONResponse | None:
    """422 for an id that cannot be NOTE_NLP.note_id; 501 if the omop extra is missing."""
    for index, item in enumerate(items):
        if not item.id.strip().isdigit():
            detail = (
                f"Note {index} (id {item.id!r}) is not a non-negative integer, as "
                "NOTE_NLP.note_id must be (omop=true)."
            )
            return JSONResponse({"detail": detail}, 422)
    # Only whether it is installed: importing it (SQLAlchemy) would stall the event loop.
    if importlib.util.find_spec("sqlalchemy") is None:
        detail = "OMOP rows need the omop extra (spacy-minialbert[omop]): SQLAlchemy is missing."
        return JSONResponse({"detail": detail}, 501)
    return None


def _add_rows(rows: OmopRows, item: NoteIn, result: dict[str, Any]) -> None:
    """The note's NOTE_NLP rows into its result; a note whose rows cannot be made fails, with
    its record kept."""
    if result["status"] != "ok":
        return
    try:
        result["note_nlp"] = rows.rows(result["record"], item.text)
    except ValueError as error:
        result.update(status="failed", reason=OMOP_ROWS, detail=str(error))


def _checked_notes(items: Sequence[NoteIn], request_id: str) -> list[Note | Rejected]:
    """Each item as a note to annotate, or rejected by the rules ``annotate`` applies to its input
    (blank text, text that is not valid Unicode, an id sent twice). Each note's source is the
    request id and its position: unique across the batches it joins."""
    checked: list[Note | Rejected] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        note = check_note(item.id, item.text, f"{request_id}#{index}")
        if isinstance(note, Note):
            if note.note_id in seen:
                detail = "an earlier note of this request has the same id"
                note = Rejected(note.note_id, note.source, "failed", DUPLICATE_ID, detail)
            else:
                seen.add(note.note_id)
        checked.append(note)
    return checked


def _result(item: NoteIn, outcome: NoteRecord | Rejected) -> dict[str, Any]:
    result: dict[str, Any] = {"id": item.id}
    if isinstance(outcome, Rejected):
        result.update(status="failed", reason=outcome.reason, detail=outcome.detail)
    else:
        result.update(status="ok", record=outcome)
    if item.metadata is not None:
        result["metadata"] = item.metadata
    return result


def _unavailable(detail: str, retry_after_s: int) -> JSONResponse:
    return JSONResponse({"detail": detail}, 503, headers={"Retry-After": str(retry_after_s)})


def _model_info(nlp: Language, settings: ServeSettings) -> dict[str, Any]:
    import spacy

    meta = nlp.meta
    return {
        "name": f"{meta.get('lang', nlp.lang)}_{meta.get('name', 'pipeline')}",
        "version": str(meta.get("version", "")),
        "lang": nlp.lang,
        "components": list(nlp.pipe_names),
        "labels": {name: list(labels) for name, labels in nlp.pipe_labels.items()},
        "spacy_version": spacy.__version__,
        "spacy_minialbert_version": __version__,
        "service": {name: getattr(settings, name) for name in SERVICE_SETTINGS},
    }


async def _invalid_body(request: Request, error: Exception) -> JSONResponse:
    """422 naming where the body is wrong; the offending values are not echoed (they may be note
    text, and error responses get logged by proxies)."""
    assert isinstance(error, RequestValidationError)
    errors = [
        {"location": _location(e.get("loc", ())), "message": _message(e), "type": e.get("type")}
        for e in error.errors()
    ]
    listed = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
    return JSONResponse(
        {"detail": f"The request body is not valid: {listed}. {SHAPE_HINT}", "errors": errors},
        422,
    )


def _location(loc: Sequence[Any]) -> str:
    if len(loc) == 2 and loc[0] == "body" and isinstance(loc[1], int):
        return f"body (character {loc[1]})"  # where the JSON decoder stopped
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part == "note" and text == "body":
            continue  # the tag of a single note adds nothing for the reader
        else:
            text += f".{part}" if text else str(part)
    return text


def _message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "invalid"))
    decoder = (error.get("ctx") or {}).get("error")
    return f"{message}: {decoder}" if error.get("type") == "json_invalid" and decoder else message
