"""Annotating one batch of notes, isolating a note that makes the pipeline fail.

The batch goes through ``nlp.pipe`` in slices of at most ``SLICE_CHARS`` characters of text
(:func:`~.memory.text_slices`: memory then does not depend on how long a batch's notes happen to
be), each Doc turned into its record as it comes. If anything raises, each note of the batch is run
again on its own, component by component, so the note that breaks a component is named (with
the component and the error) and the others are kept. A broad ``except`` is deliberate here: a
run over millions of notes must not end because one note trips one component. For the same
reason a note over the size or time limits (:class:`~.limits.NoteLimits`) becomes a failure.

A failure's detail names the component and the exception's type, but not its message unless
``log_text`` is set: messages quote the input (spaCy's errors quote tokens), and the errors file,
logs and summaries carry no note text by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc

from ..notes.records import COMPONENT_ERROR, Note, Rejected
from .limits import NOTE_TOO_LONG, NOTE_TOO_SLOW, NoteLimits, NoteTimeout, time_limit
from .memory import SLICE_CHARS, bound_kernel_caches, text_slices
from .records import NoteRecord, note_record, word_count


@dataclass
class BatchResult:
    """The records of the notes that went through (with each one's word count), and the notes
    that failed."""

    records: list[NoteRecord] = field(default_factory=list)
    failures: list[Rejected] = field(default_factory=list)
    record_words: list[int] = field(default_factory=list)

    @property
    def words(self) -> int:
        return sum(self.record_words)


def annotate_batch(
    nlp: Language,
    notes: Sequence[Note],
    batch_size: int,
    *,
    limits: NoteLimits = NoteLimits(),
    log_text: bool = False,
) -> BatchResult:
    """Records for ``notes``; a note that cannot be annotated becomes a failure instead, and so
    does a note over ``limits`` (too long, or too slow: see :mod:`.limits`). ``log_text``: keep
    the message of a component's exception in the failure, though it may quote the note."""
    # Memory flat over a long run (see .memory): kernel caches off before the first product
    # (a no-op later on); spaCy >= 3.8 forgets the strings a batch added to the vocabulary,
    # 3.7 has no memory zones (the run reloads the pipeline instead).
    bound_kernel_caches()
    zone = getattr(nlp, "memory_zone", None)
    with zone() if zone is not None else nullcontext():
        return _annotate(nlp, notes, batch_size, limits, log_text)


def _annotate(
    nlp: Language, notes: Sequence[Note], batch_size: int, limits: NoteLimits, log_text: bool
) -> BatchResult:
    result = BatchResult()
    accepted: list[Note] = []
    for note in notes:
        too_long = limits.too_long(note.text)
        if too_long is None:
            accepted.append(note)
        else:
            result.failures.append(
                Rejected(note.note_id, note.source, "failed", NOTE_TOO_LONG, too_long)
            )
    budget = limits.batch_seconds(sum(len(note.text) for note in accepted))
    try:
        with time_limit(budget):
            for part in text_slices(accepted, SLICE_CHARS):
                docs = nlp.pipe((note.text for note in part), batch_size=batch_size)
                for note, doc in zip(part, docs, strict=True):
                    result.records.append(note_record(note, doc))
                    result.record_words.append(word_count(doc))
    except (Exception, NoteTimeout):  # isolated below, note by note
        result.records.clear()
        result.record_words.clear()
        for note in accepted:
            _one(nlp, note, result, limits.seconds, log_text)
    return result


def _one(
    nlp: Language, note: Note, result: BatchResult, seconds: float | None, log_text: bool
) -> None:
    step = "tokenizer"
    try:
        with time_limit(seconds):
            doc: Doc = nlp.make_doc(note.text)
            for name, component in nlp.pipeline:
                step = name
                doc = component(doc)
            step = "record"
            record = note_record(note, doc)
        result.records.append(record)
        result.record_words.append(word_count(doc))
    except NoteTimeout:
        where = "building the record" if step == "record" else f"in {step!r}"
        detail = f"took more than {seconds:g} s (stopped {where})"
        result.failures.append(Rejected(note.note_id, note.source, "failed", NOTE_TOO_SLOW, detail))
    except Exception as error:
        where = "building the record" if step == "record" else f"component {step!r}"
        detail = f"{where}: {_describe(error, len(note.text), log_text)}"
        result.failures.append(
            Rejected(note.note_id, note.source, "failed", COMPONENT_ERROR, detail)
        )


def _describe(error: Exception, characters: int, log_text: bool) -> str:
    """The exception as a failure's detail: its message only if ``log_text``."""
    if log_text:
        return f"{type(error).__name__}: {error}"
    return (
        f"{type(error).__name__} on a note of {characters:,} characters (message withheld: it "
        "may quote the note; --log-text keeps it)"
    )
