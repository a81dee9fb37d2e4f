"""Input files to windows: the three readers and their resumable offsets, file expansion,
windowing with placeholders, and the seeded, resumable, sharded window stream."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import torch

from spacy_minialbert.distill.sources import (
    DocumentSource,
    InputFile,
    SourcePosition,
    expand_paths,
    read_jsonl,
    read_mimic,
    read_text,
)
from spacy_minialbert.distill.windows import Windower, WindowStream, collate

from .conftest import documents, write_noteevents


@pytest.fixture(scope="module")
def tokenizer(teacher_dir: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(teacher_dir)


def resumes_everywhere(reader: Any, path: Path, *args: Any) -> list[str]:
    """Read all documents; check that starting at each reported offset yields the rest."""
    items = list(reader(path, 0, *args))
    texts = [text for text, _ in items]
    for index, (_, offset) in enumerate(items):
        assert [t for t, _ in reader(path, offset, *args)] == texts[index + 1 :]
    return texts


def test_text_documents_are_separated_by_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("first line\nsame document\n\n\n  \nsecond one\n\nthird, no newline")
    texts = resumes_everywhere(read_text, path)
    assert texts == ["first line\nsame document", "second one", "third, no newline"]


def test_jsonl_reads_the_text_field_and_names_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    records = [{"id": "a", "text": "alpha"}, {"text": "beta"}, {"id": "c", "note": "gamma"}]
    path.write_text("\n".join(json.dumps(r) for r in records[:2]) + "\n\n")
    assert resumes_everywhere(read_jsonl, path, "text") == ["alpha", "beta"]
    path.write_text(json.dumps(records[2]) + "\n")
    with pytest.raises(ValueError, match="has no string field 'text'"):
        list(read_jsonl(path))
    path.write_text("{not json\n")
    with pytest.raises(ValueError, match="at byte 0 is not valid JSON"):
        list(read_jsonl(path))


def test_mimic_skips_error_rows_and_keeps_multiline_notes(tmp_path: Path) -> None:
    path = tmp_path / "NOTEEVENTS.csv"
    texts = [
        'Admission note.\nPatient "JD" seen on [**2150-3-4**].\n\nPlan: rest.',
        "Flagged by a physician.",
        "Discharge, stable.",
    ]
    write_noteevents(path, texts, errors=(1,))
    assert resumes_everywhere(read_mimic, path, "TEXT", False) == [texts[0], texts[2]]
    assert len(list(read_mimic(path, 0, "TEXT", True))) == 3
    with pytest.raises(ValueError, match="has no column 'NOTE'"):
        list(read_mimic(path, 0, "NOTE"))


def test_gzip_files_read_like_plain_ones(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("one\n\ntwo\n")
    assert expand_paths([str(path)])[0].format == "text"
    assert resumes_everywhere(read_text, path) == ["one", "two"]


def test_expand_paths_orders_globs_and_detects_formats(tmp_path: Path) -> None:
    for name in ("b.txt", "a.txt", "c.jsonl", "NOTEEVENTS.csv"):
        (tmp_path / name).write_text("x\n")
    files = expand_paths(
        [
            str(tmp_path / "*.txt"),
            str(tmp_path / "c.jsonl"),
            str(tmp_path / "a.txt"),
            str(tmp_path / "*.csv"),
        ]
    )
    assert [(f.path.name, f.format) for f in files] == [
        ("a.txt", "text"),
        ("b.txt", "text"),
        ("c.jsonl", "jsonl"),
        ("NOTEEVENTS.csv", "mimic"),
    ]
    with pytest.raises(FileNotFoundError, match="No input files match"):
        expand_paths([str(tmp_path / "*.xml")])
    with pytest.raises(IsADirectoryError, match="name its files with a glob"):
        expand_paths([str(tmp_path)])
    (tmp_path / "notes.xml").write_text("x")
    with pytest.raises(ValueError, match="Cannot tell the format"):
        expand_paths([str(tmp_path / "notes.xml")])
    assert expand_paths([str(tmp_path / "notes.xml")], "text")[0].format == "text"


def test_document_source_continues_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a1\n\na2\n")
    (tmp_path / "b.jsonl").write_text('{"text": "b1"}\n{"text": "b2"}\n')
    source = DocumentSource(expand_paths([str(tmp_path / "a.txt"), str(tmp_path / "b.jsonl")]))
    items = list(source.documents(SourcePosition()))
    assert [t for t, _ in items] == ["a1", "a2", "b1", "b2"]
    assert [p.documents for _, p in items] == [1, 2, 3, 4]
    after_second = items[1][1]
    assert [t for t, _ in source.documents(after_second)] == ["b1", "b2"]


def test_windows_cover_the_document_with_the_given_stride(tokenizer: Any) -> None:
    text = " ".join(documents(6))
    windower = Windower(tokenizer, window=16, stride=10)
    ids = windower.token_ids(text)
    windows = windower(text)
    assert len(windows) > 3
    for window in windows:
        assert len(window) <= 16
        assert window[0] == tokenizer.cls_token_id and window[-1] == tokenizer.sep_token_id
    contents = [w[1:-1] for w in windows]
    assert contents[0] == ids[:14]
    for index, content in enumerate(contents):
        assert content == ids[index * 10 : index * 10 + 14]
    assert contents[-1][-1] == ids[-1], "the last window reaches the end"
    assert len(Windower(tokenizer, 16, 10, max_windows_per_document=2)(text)) == 2
    assert Windower(tokenizer, 16, 10, min_tokens=10_000)(text) == []


def test_each_placeholder_becomes_one_unknown_token(tokenizer: Any) -> None:
    text = "the patient was seen in [**2150-3-4**] and [**First Name (Titles) **] in the clinic ."
    ids = Windower(tokenizer, 64, 32).token_ids(text)
    plain = tokenizer("the patient was seen in", add_special_tokens=False)["input_ids"]
    assert tokenizer.unk_token_id not in plain
    assert ids[: len(plain)] == plain
    assert ids.count(tokenizer.unk_token_id) == 2
    assert ids[len(plain)] == tokenizer.unk_token_id
    split = Windower(tokenizer, 64, 32, placeholders="split").token_ids(text)
    assert len(split) > len(ids), "without the mapping a placeholder spans several tokens"


def stream(source_dir: Path, tokenizer: Any, seed: int = 0, **kwargs: Any) -> WindowStream:
    files = [InputFile(source_dir / "notes.txt", "text")]
    windower = Windower(tokenizer, window=16, stride=12)
    return WindowStream(DocumentSource(files), windower, buffer_size=8, seed=seed, **kwargs)


def draw(windows: WindowStream, n: int) -> list[list[int]]:
    return [windows.next_window() for _ in range(n)]


def test_stream_order_depends_only_on_the_seed(corpus_dir: Path, tokenizer: Any) -> None:
    first = draw(stream(corpus_dir, tokenizer), 40)
    assert first == draw(stream(corpus_dir, tokenizer), 40)
    assert first != draw(stream(corpus_dir, tokenizer, seed=1), 40)


def test_stream_runs_over_epochs(corpus_dir: Path, tokenizer: Any) -> None:
    windows = stream(corpus_dir, tokenizer)
    n_epoch = sum(len(windows.windower(d)) for d in documents())
    one = draw(windows, n_epoch)
    assert windows.epoch == 0
    two = draw(windows, n_epoch)
    assert windows.epoch == 1
    assert sorted(one) == sorted(two) and one != two, "same windows, new order"


def test_stream_state_resumes_exactly(corpus_dir: Path, tokenizer: Any, tmp_path: Path) -> None:
    original = stream(corpus_dir, tokenizer)
    draw(original, 23)
    # Through a file, as in a checkpoint: plain values and tensors only.
    torch.save(original.state_dict(), tmp_path / "state.pt")
    state = torch.load(tmp_path / "state.pt", weights_only=True)
    expected = draw(original, 60)
    resumed = stream(corpus_dir, tokenizer)
    resumed.load_state_dict(state)
    assert draw(resumed, 60) == expected
    assert resumed.epoch == original.epoch > 0


def test_processes_read_disjoint_document_shards(corpus_dir: Path, tokenizer: Any) -> None:
    windower = Windower(tokenizer, window=16, stride=12)
    per_document = [windower(d) for d in documents()]
    for rank in (0, 1):
        shard = stream(corpus_dir, tokenizer, rank=rank, world_size=2)
        expected = [w for i, ws in enumerate(per_document) if i % 2 == rank for w in ws]
        assert sorted(draw(shard, len(expected))) == sorted(expected)
    with pytest.raises(ValueError, match="belongs to process 0 of 2"):
        stream(corpus_dir, tokenizer).load_state_dict(
            stream(corpus_dir, tokenizer, rank=0, world_size=2).state_dict()
        )


def test_collate_pads_to_the_longest_window() -> None:
    input_ids, attention_mask = collate([[2, 7, 8, 3], [2, 9, 3]], pad_id=0)
    assert input_ids.tolist() == [[2, 7, 8, 3], [2, 9, 3, 0]]
    assert attention_mask.tolist() == [[1, 1, 1, 1], [1, 1, 1, 0]]
