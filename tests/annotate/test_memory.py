"""What keeps a long annotate run's memory flat (see spacy_minialbert/annotate/memory.py): the
Docs of a batch are freed when it ends, the vocabulary starts afresh every `reload_every` notes
(spaCy 3.7 has no memory zones), and the shape-keyed kernel caches are off. Structural checks;
the measurement itself is benchmarks/memory.py."""

from __future__ import annotations

import gc
import json
import os
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from spacy_minialbert.annotate import PipelineSpec, RunOptions, annotate, open_notes
from spacy_minialbert.annotate.annotator import BatchAnnotator
from spacy_minialbert.annotate.batch import annotate_batch
from spacy_minialbert.annotate.limits import NoteLimits
from spacy_minialbert.annotate.memory import KERNEL_CACHE_SETTINGS, SLICE_CHARS, text_slices
from spacy_minialbert.notes.records import Note

SEEN: list[weakref.ref[Doc]] = []


@Language.component("test_doc_in_a_cycle")
def doc_in_a_cycle(doc: Doc) -> Doc:
    """Puts the Doc in a reference cycle (as ConText's graph and span groups do) and keeps a
    weak reference to see when it is freed."""
    doc.user_data["cycle"] = [doc]
    SEEN.append(weakref.ref(doc))
    return doc


@pytest.fixture
def no_automatic_gc() -> Iterator[None]:
    """Only explicit collections: whether a Doc outlives its batch is then not up to chance."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def notes(start: int, count: int) -> list[Note]:
    # Each note brings strings the vocabulary has not met (as ids and numbers in real notes do).
    return [
        Note(f"n{i}", f"Seen today , accession QX{i:06d}A ward W{i}B .", f"notes.jsonl:{i + 1}")
        for i in range(start, start + count)
    ]


def test_a_batchs_docs_are_freed_when_it_ends(no_automatic_gc: None) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("test_doc_in_a_cycle")
    annotator = BatchAnnotator(nlp, limits=NoteLimits())
    SEEN.clear()
    result = annotator(notes(0, 4), 4)
    assert len(result.records) == 4 and len(SEEN) == 4
    assert [ref() for ref in SEEN] == [None] * 4


def test_the_vocabulary_starts_afresh_every_reload_every_notes(tmp_path: Path) -> None:
    spacy.blank("en").to_disk(tmp_path / "blank")
    spec = PipelineSpec(str(tmp_path / "blank"), add_context=False)
    annotator = BatchAnnotator(spec, limits=NoteLimits(), reload_every=8)
    fresh = len(annotator.nlp.vocab.strings)
    sizes = []
    for start in range(0, 40, 4):
        annotator(notes(start, 4), 4)
        sizes.append(len(annotator.nlp.vocab.strings))
    assert annotator.reloads == 4  # before notes 8, 16, 24 and 32
    # Never more than two batches' new strings, however many notes went through.
    per_batch = sizes[0] - fresh
    assert per_batch > 0 and max(sizes) <= fresh + 2 * per_batch, sizes


def test_a_given_pipeline_is_never_reloaded() -> None:
    nlp = spacy.blank("en")
    annotator = BatchAnnotator(nlp, limits=NoteLimits(), reload_every=2)
    annotator(notes(0, 4), 4)
    annotator(notes(4, 4), 4)
    assert annotator.nlp is nlp and annotator.reloads == 0


def test_a_run_across_reloads_writes_every_note(tmp_path: Path) -> None:
    spacy.blank("en").to_disk(tmp_path / "blank")
    source = tmp_path / "notes.jsonl"
    source.write_text("".join(json.dumps({"id": n.note_id, "text": n.text}) + "\n"
                              for n in notes(0, 10)))  # fmt: skip
    output = tmp_path / "out.jsonl"
    options = RunOptions(batch_size=3, progress=False, reload_every=4)
    summary = annotate(PipelineSpec(str(tmp_path / "blank"), add_context=False),
                       open_notes(source), output, options)  # fmt: skip
    assert summary.written == 10
    records = [json.loads(line) for line in output.read_text().splitlines()]
    assert [r["id"] for r in records] == [f"n{i}" for i in range(10)]


def test_the_kernel_caches_are_turned_off_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in KERNEL_CACHE_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LRU_CACHE_CAPACITY", "7")  # the user's own setting stays
    BatchAnnotator(spacy.blank("en"), limits=NoteLimits())
    assert os.environ["ONEDNN_PRIMITIVE_CACHE_CAPACITY"] == "0"
    assert os.environ["LRU_CACHE_CAPACITY"] == "7"


def test_a_batch_goes_through_in_slices_of_bounded_text() -> None:
    sizes = [10, 20, 30, 100, 5, 5]
    batch = [Note(f"n{i}", "x" * size, "s") for i, size in enumerate(sizes)]
    slices = [[note.note_id for note in part] for part in text_slices(batch, 40)]
    assert slices == [["n0", "n1"], ["n2"], ["n3"], ["n4", "n5"]]  # n3 is longer: alone
    assert list(text_slices([], 40)) == []


def test_a_batch_over_the_slice_size_keeps_every_record_in_order() -> None:
    words = "word " * (SLICE_CHARS // 5 // 3)  # three notes fill about one slice
    batch = [Note(f"n{i}", f"{words}{i}", "s") for i in range(7)]
    result = annotate_batch(spacy.blank("en"), batch, 32)
    assert [record["id"] for record in result.records] == [f"n{i}" for i in range(7)]
    assert len(list(text_slices(batch, SLICE_CHARS))) == 3 and not result.failures
