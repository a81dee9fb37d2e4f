"""Batch annotation of clinical notes read by :mod:`spacy_minialbert.notes`: a resumable JSONL
writer, the run with its summary, and the HTML view of one note. See ``docs/annotate.md``."""

from ..notes import open_notes
from .pipeline import PipelineSpec, load_pipeline
from .render import render_html, render_note
from .run import RunOptions, annotate

__all__ = [
    "PipelineSpec",
    "RunOptions",
    "annotate",
    "load_pipeline",
    "open_notes",
    "render_html",
    "render_note",
]
