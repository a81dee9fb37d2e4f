"""Components for the service tests, imported by the server with ``--code``: one raises on a
marked note, one sleeps on another (to hold the worker thread busy: overload and shutdown).

``SERVE_TEST_LOAD_DELAY_S`` slows the import itself, so the tests can see the service answer
/health while /ready still says 503."""

from __future__ import annotations

import os
import time

from spacy.language import Language
from spacy.tokens import Doc

FAILURE_MARKER = "TRIGGER-COMPONENT-FAILURE"
SLOW_MARKER = "TRIGGER-SLOW-COMPONENT"
SLOW_SECONDS = 2.0

time.sleep(float(os.environ.get("SERVE_TEST_LOAD_DELAY_S", "0")))


@Language.component("serve_test_fails_on_marker")
def fails_on_marker(doc: Doc) -> Doc:
    if FAILURE_MARKER in doc.text:
        raise RuntimeError("this note breaks the component")
    return doc


@Language.component("serve_test_slow_on_marker")
def slow_on_marker(doc: Doc) -> Doc:
    if SLOW_MARKER in doc.text:
        time.sleep(SLOW_SECONDS)
    return doc
