"""Keeping a long run's memory flat in the number of notes.

Peak memory used to rise with every note (817 MB for 200 MTSamples notes, 1,575 MB for 3,000).
Measured with ``benchmarks/memory.py`` and ``tracemalloc``, four things grew, each with its own
remedy here:

1. **Kernel caches** (most of it). PyTorch's CPU kernels (oneDNN, and ideep above it) keep a
   compiled primitive, with its scratch memory, for every input shape they meet, up to 1,024
   shapes in each of two caches (pytorch/pytorch#27971); the transformer's windows come in new
   shapes in almost every batch. :func:`bound_kernel_caches` turns both caches off
   (``ONEDNN_PRIMITIVE_CACHE_CAPACITY=0``, ``LRU_CACHE_CAPACITY=1``), unless the environment
   already says otherwise; building a primitive costs little next to the product it computes (no
   slowdown measured). It must run before the process's first matrix product: the libraries read
   the settings once.
2. **Docs in reference cycles** (spans, ConText's graph, the transformer's output) wait for the
   cyclic garbage collector, which runs ever more rarely as the heap grows, holding the batches'
   arrays meanwhile: ``gc.collect()`` after each batch (:class:`~.annotator.BatchAnnotator`).
3. **Long batches**: what a batch holds at once (the transformer's output for every window, the
   Docs) grows with its text, and a batch of 32 long notes held 180,000 characters against
   about 100,000 for a usual one: the batch goes through ``nlp.pipe`` in slices of at most
   :data:`SLICE_CHARS` characters (:func:`text_slices`), each Doc made into its record and
   dropped as it comes, so the peak no longer waits for the longest batch of the input.
4. **Strings and lexemes**: the vocabulary keeps every string it met (ids, numbers, names), and
   the tokenizer caches every word. spaCy 3.8's ``memory_zone`` forgets a batch's strings
   (:func:`~.batch.annotate_batch` uses it where present); the pinned spaCy 3.7 cannot forget
   them, and its own code advises resetting the vocabulary from time to time, so the run reloads
   the pipeline every ``reload_every`` notes (:func:`needs_reload`): a few seconds per several
   thousand notes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from spacy.language import Language

from ..notes.records import Note

KERNEL_CACHE_SETTINGS = {"ONEDNN_PRIMITIVE_CACHE_CAPACITY": "0", "LRU_CACHE_CAPACITY": "1"}

# Notes between reloads (spaCy 3.7): about 6 kB of strings, lexemes and tokenizer cache per
# MTSamples note, so at most some 30 MB before the vocabulary starts afresh.
DEFAULT_RELOAD_EVERY = 5_000

# Text per nlp.pipe call: about 16 MTSamples notes; a note longer than this goes alone.
SLICE_CHARS = 50_000


def bound_kernel_caches() -> None:
    """Turn off the shape-keyed kernel caches for this process and the processes it starts,
    unless the environment sets them."""
    for name, value in KERNEL_CACHE_SETTINGS.items():
        os.environ.setdefault(name, value)


def text_slices(notes: Sequence[Note], max_chars: int) -> Iterator[Sequence[Note]]:
    """``notes`` in order, in runs of at most ``max_chars`` characters (a longer note alone)."""
    start, size = 0, 0
    for index, note in enumerate(notes):
        if index > start and size + len(note.text) > max_chars:
            yield notes[start:index]
            start, size = index, 0
        size += len(note.text)
    if start < len(notes):
        yield notes[start:]


def needs_reload(nlp: Language, notes_since_load: int, reload_every: int | None) -> bool:
    """Whether the pipeline should be loaded afresh to drop the strings it has gathered: only
    where spaCy has no ``memory_zone`` to forget them batch by batch."""
    if reload_every is None or hasattr(nlp, "memory_zone"):
        return False
    return notes_since_load >= reload_every
