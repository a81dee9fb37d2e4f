"""Annotating notes on Spark: the same annotation as ``spacy-minialbert annotate``, spread over a
cluster. ``annotate_notes`` works on a DataFrame; ``annotate-spark`` (:mod:`.job`) runs a whole
resumable job from files or a table. Needs the ``spark`` extra (``pyspark``, ``pyarrow``) and
Java 17 or newer; nothing outside this package imports it."""

try:
    import pyspark  # noqa: F401
except ImportError as error:  # pragma: no cover (the dev environment has the extra)
    raise ImportError(
        "The Spark engine needs pyspark: pip install 'spacy-minialbert[spark]' (and Java 17+)."
    ) from error

from .engine import AnnotatedNotes, annotate_notes, entity_rows
from .model import CodeRef, ModelRef, ship_code, ship_model
from .schema import ENTITY_SCHEMA, NOTE_SCHEMA, RECORD_SCHEMA

__all__ = [
    "ENTITY_SCHEMA",
    "NOTE_SCHEMA",
    "RECORD_SCHEMA",
    "AnnotatedNotes",
    "CodeRef",
    "ModelRef",
    "annotate_notes",
    "entity_rows",
    "ship_code",
    "ship_model",
]
