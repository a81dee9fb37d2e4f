"""The HTTP service (``spacy-minialbert serve``): FastAPI on uvicorn, micro-batching requests into
``nlp.pipe`` batches, with back-pressure, size limits and an access log without note text.

Needs the ``serve`` extra (``pip install "spacy-minialbert[serve]"``). Nothing else in the package
imports this one. ``create_app(ServeSettings(...))`` gives the ASGI app to embed or run elsewhere.
"""

from .settings import ServeSettings

__all__ = ["ServeSettings", "create_app", "run_server"]


def __getattr__(name: str) -> object:
    # FastAPI and uvicorn load on first use: `spacy-minialbert serve --help` stays fast.
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "run_server":
        from .runner import run_server

        return run_server
    raise AttributeError(name)
