"""Components for the Spark tests, shipped to the workers with ``--code`` (this file only
imports spaCy). One raises on a marked note: a failed record, the job goes on. One ends the
Python worker the first time it meets a note naming a flag file that does not exist yet: the
task and the job fail, and a re-run (the flag now exists) passes."""

from __future__ import annotations

import os

from spacy.language import Language
from spacy.tokens import Doc

FAILS = "spark_test_fails_on_marker"
CRASHES = "spark_test_crashes_once"
FAILURE_MARKER = "TRIGGER-COMPONENT-FAILURE"
CRASH_MARKER = "CRASH-WORKER-ONCE:"


@Language.component(FAILS)
def fails_on_marker(doc: Doc) -> Doc:
    if FAILURE_MARKER in doc.text:
        raise RuntimeError("this note breaks the component")
    return doc


@Language.component(CRASHES)
def crashes_once(doc: Doc) -> Doc:
    if CRASH_MARKER in doc.text:
        flag = doc.text.split(CRASH_MARKER, 1)[1].split()[0]
        if not os.path.exists(flag):
            with open(flag, "w") as handle:
                handle.write(str(os.getpid()))
            os._exit(3)
    return doc
