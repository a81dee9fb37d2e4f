"""ASGI middleware: the access log (ids, sizes, timings; never note text) and the request size
limit (413 before the body is parsed).

One plain ASGI layer (not Starlette's BaseHTTPMiddleware, which costs a task per request and hides
the body stream), the outermost of the app's own: it also turns an unexpected exception into a 500
that names only the exception's type, so no traceback (whose message could quote a note) reaches
the server's log.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("spacy_minialbert.serve.access")
error_log = logging.getLogger("spacy_minialbert.serve")

REQUEST_ID_HEADER = "x-request-id"


@dataclass
class AccessInfo:
    """What the endpoint adds to the access log line: counts and timings, no content."""

    request_id: str
    notes: int | None = None
    failed: int | None = None
    queue_ms: float | None = None
    annotate_ms: float | None = None
    batch_notes: int | None = None


def _request_id(scope: Scope) -> str:
    """The caller's X-Request-ID if it is a short printable token (it goes into the log), else a
    new one."""
    for given in Headers(scope=scope).getlist(REQUEST_ID_HEADER):
        if 0 < len(given) <= 64 and given.isascii() and given.isprintable() and " " not in given:
            return given
    return uuid.uuid4().hex


class AccessLog:
    """One log line per HTTP request: request id, method, path, status, notes, bytes in and out,
    queue/annotate/total milliseconds. Adds the X-Request-ID response header.

    Also the size limit, as the body is counted here anyway: 413 for a request body over
    ``max_bytes``, from Content-Length before anything is read, or while the body streams in
    (chunked uploads carry no length)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        info = AccessInfo(_request_id(scope))
        scope.setdefault("state", {})["access"] = info
        status = 0
        sizes = {"in": 0, "out": 0}

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                sizes["in"] += len(message.get("body", b""))
                if sizes["in"] > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        async def logging_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), info.request_id.encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                sizes["out"] += len(message.get("body", b""))
            await send(message)

        declared = _content_length(scope)
        try:
            if declared is not None and declared > self.max_bytes:
                detail = _too_large(f"declares {declared} bytes", self.max_bytes)
                await _send_detail(logging_send, 413, detail, (b"connection", b"close"))
            else:
                await self.app(scope, counting_receive, logging_send)
        except Exception as error:
            if isinstance(error, _TooLarge) and status == 0:  # the app did not answer it
                await _send_detail(logging_send, 413, error.detail, (b"connection", b"close"))
                return
            error_log.error(
                "request_id=%s unexpected %s while answering %s %s",
                info.request_id,
                type(error).__name__,
                scope["method"],
                scope["path"],
            )
            if status == 0:
                detail = f"internal error ({type(error).__name__}); request {info.request_id}"
                await _send_detail(logging_send, 500, detail)
        finally:
            access_log.info(_line(scope, info, status, sizes, started))


async def _send_detail(send: Send, status: int, detail: str, *headers: tuple[bytes, bytes]) -> None:
    """A JSON error response ``{"detail": ...}``."""
    body = json.dumps({"detail": detail}).encode()
    start_headers = [(b"content-type", b"application/json"), *headers]
    await send({"type": "http.response.start", "status": status, "headers": start_headers})
    await send({"type": "http.response.body", "body": body})


def _line(
    scope: Scope, info: AccessInfo, status: int, sizes: dict[str, int], started: float
) -> str:
    fields: dict[str, Any] = {
        "request_id": info.request_id,
        "method": scope["method"],
        "path": scope["path"],
        "status": status,
        "notes": info.notes,
        "failed": info.failed,
        "bytes_in": sizes["in"],
        "bytes_out": sizes["out"],
        "batch_notes": info.batch_notes,
        "queue_ms": info.queue_ms,
        "annotate_ms": info.annotate_ms,
        "total_ms": round((time.monotonic() - started) * 1000, 1),
    }
    return " ".join(f"{key}={value}" for key, value in fields.items() if value is not None)


class _TooLarge(HTTPException):
    """Raised from inside the body stream: an HTTPException, so FastAPI's body reader passes it on
    (it turns other errors into a 400) and the app answers it as a 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, _too_large(f"sent more than {max_bytes} bytes", max_bytes))


def _too_large(what: str, max_bytes: int) -> str:
    return f"The request body {what}; the limit is {max_bytes} bytes (max_request_bytes)."


def _content_length(scope: Scope) -> int | None:
    try:
        return int(Headers(scope=scope)["content-length"])
    except (KeyError, ValueError):
        return None
