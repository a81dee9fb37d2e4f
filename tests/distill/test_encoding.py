"""The distillation (and init-backbone) reader never alters text: a document with bytes that are
not UTF-8 is skipped and reported with its file and byte offset (it was read with U+FFFD
replacement characters before)."""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import pytest

from spacy_minialbert.distill.sources import DocumentSource, SourcePosition, expand_paths


def test_undecodable_documents_are_skipped_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = tmp_path / "notes.txt"
    text.write_bytes(b"First note .\n\nSecond \xff note .\n\nThird note .\n")
    jsonl = tmp_path / "notes.jsonl"
    jsonl.write_bytes(b'{"text": "Fourth \xe9 ."}\n{"text": "Fifth ."}\n')
    discharge = tmp_path / "discharge.csv.gz"
    with gzip.open(discharge, "wb") as handle:
        handle.write(b'note_id,subject_id,text\n1-DS-1,1,"Sixth\n\xc3 ."\n2-DS-1,2,"Seventh ."\n')
    source = DocumentSource(expand_paths([str(text), str(jsonl), str(discharge)]))
    with caplog.at_level(logging.WARNING, logger="spacy_minialbert.distill.sources"):
        found = list(source.documents(SourcePosition()))
    assert [text for text, _ in found] == ["First note .", "Third note .", "Fifth .", "Seventh ."]
    assert all("\ufffd" not in text for text, _ in found)
    assert [position.documents for _, position in found] == [1, 2, 3, 4]
    assert source.undecodable == 3
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        f"{text}: the document ending at byte 31 is skipped: byte 0xff at character 7 is not "
        "UTF-8.",
        f"{jsonl}: the document ending at byte 23 is skipped: byte 0xe9 at character 7 is not "
        "UTF-8.",
        f"{discharge}: the document ending at byte 45 is skipped: byte 0xc3 at character 6 is "
        "not UTF-8.",
    ]
