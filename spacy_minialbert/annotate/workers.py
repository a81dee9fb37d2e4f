"""Worker processes for ``annotate --n-process N``: each loads the pipeline once and annotates
whole batches, returning plain records (cheap to send back). Processes are spawned, not forked:
a forked copy of a process whose PyTorch thread pool is already running can deadlock."""

from __future__ import annotations

from collections.abc import Sequence

from spacy.language import Language

from .batch import BatchResult, annotate_batch
from .notes import Note
from .pipeline import PipelineSpec, load_pipeline

_nlp: Language | None = None


def init_worker(spec: PipelineSpec, threads: int) -> None:
    """Process initialiser: a share of the CPU threads, and the pipeline."""
    global _nlp
    import torch

    torch.set_num_threads(threads)
    _nlp, _ = load_pipeline(spec)


def run_batch(notes: Sequence[Note], batch_size: int) -> BatchResult:
    if _nlp is None:
        raise RuntimeError("worker used before init_worker loaded the pipeline")
    return annotate_batch(_nlp, notes, batch_size)
