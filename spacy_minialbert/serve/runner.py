"""Running the service under uvicorn: one or several worker processes, our own access log.

uvicorn's access log is off (its lines carry the query string and nothing we need); ours comes
from ``middleware.AccessLog``. Every logger writes to stderr with the process id, so the lines of
several workers can be told apart.
"""

from __future__ import annotations

import math
import os
from typing import Any

from .settings import SERVE_SETTINGS_ENV, ServeSettings

APP_FACTORY = "spacy_minialbert.serve.app:app_from_environment"


def logging_config(level: str) -> dict[str, Any]:
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"}
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "spacy_minialbert": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
    }


def run_server(settings: ServeSettings) -> None:
    """Serve until SIGINT/SIGTERM; then finish the requests in flight (up to
    ``graceful_timeout_s``) and the notes still queued, and exit."""
    import uvicorn

    # The worker processes (and, with one worker, this one) build the app from this variable.
    os.environ[SERVE_SETTINGS_ENV] = settings.to_env()
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=logging_config(settings.log_level),
        log_level=settings.log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=math.ceil(settings.graceful_timeout_s),
    )
