"""One reader of notes for every command: the same input with a bad byte is reported alike by
annotate, convert and distill; an OMOP NOTE table is read by the same package; every file reader
resumes at the offset a record gives, with the file's own line numbers; one name per option."""

from __future__ import annotations

import gzip
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from spacy_minialbert.corpora import Account
from spacy_minialbert.corpora.mimic import mimic_noteevents_documents
from spacy_minialbert.distill.sources import DocumentSource, SourcePosition, expand_paths
from spacy_minialbert.notes import DatabaseNotes, Note, Rejected, open_notes
from tests.omop.cdm import fill_note_table

HEADER = (
    b"ROW_ID,SUBJECT_ID,HADM_ID,CHARTDATE,CHARTTIME,STORETIME,CATEGORY,DESCRIPTION,CGID,"
    b"ISERROR,TEXT\n"
)
ROWS = [
    b'1,10,,2150-01-01,,,Nursing,Note,,,"First note,\nover two lines ."\n',
    b'2,11,,2150-01-02,,,Nursing,Note,,,"Pain \xff noted ."\n',
    b'3,12,,2150-01-03,,,Radiology,Report,,,"Third note ."\n',
]


def test_a_bad_byte_is_reported_alike_by_annotate_convert_and_distill(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "NOTEEVENTS.csv"
    path.write_bytes(HEADER + b"".join(ROWS))
    end_of_bad_row = len(HEADER + ROWS[0] + ROWS[1])
    where = "byte 0xff at character 5"

    # annotate's reader
    found = list(open_notes(path).items())
    assert [item.note_id for item in found if isinstance(item, Note)] == ["1", "3"]
    (bad,) = [item for item in found if isinstance(item, Rejected)]
    assert (bad.note_id, bad.source, bad.outcome, bad.reason) == (
        "2", f"{path}:4", "failed", "unreadable encoding"
    )  # fmt: skip
    assert bad.detail == f"TEXT: {where} is not valid text in the input encoding"
    assert bad.end == end_of_bad_row

    # convert mimic-noteevents
    account = Account("mimic-noteevents")
    records = list(mimic_noteevents_documents(path, account=account))
    assert [record.doc_id for record in records] == ["1", "3"]
    (entry,) = account.entries
    assert (entry.action, entry.reason, entry.file, entry.line, entry.doc_id) == (
        "failed", "not UTF-8", str(path), 4, "2"
    )  # fmt: skip
    assert entry.detail.startswith(f"column TEXT has bytes that are not UTF-8 ({where})")

    # distill (and init-backbone's texts)
    source = DocumentSource(expand_paths([str(path)]))
    with caplog.at_level(logging.WARNING, logger="spacy_minialbert.distill.sources"):
        texts = [text for text, _ in source.documents(SourcePosition())]
    assert texts == ["First note,\nover two lines .", "Third note ."]
    assert source.undecodable == 1
    assert [record.getMessage() for record in caplog.records] == [
        f"{path}: the document ending at byte {end_of_bad_row} is skipped: {where} is not UTF-8."
    ]
    assert all("\ufffd" not in text for text in texts)


def test_an_omop_note_table_is_read_by_the_reader(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cdm.db'}"
    engine = create_engine(url)
    fill_note_table(engine, {4: (1, "Fourth ."), 2: (1, "  \n "), 3: (2, "Third .")})
    engine.dispose()
    found = list(DatabaseNotes(url, table="note", chunk_size=2).items())
    assert found == [
        Rejected("2", "note#1", "failed", "empty text", "4 characters, all blank"),
        Note("3", "Third .", "note#2"),
        Note("4", "Fourth .", "note#3"),
    ]


def resumed_alike(path: Path, **options: object) -> list[Note | Rejected]:
    """All records of ``path``; reading again from each record's end gives the records after
    it, with the same sources (line numbers counted from the start of the file)."""
    every = list(open_notes(path, **options).items())  # type: ignore[arg-type]
    for index, record in enumerate(every):
        assert record.end is not None
        rest = list(open_notes(path, **options).items(record.end))  # type: ignore[arg-type, call-arg]
        assert rest == every[index + 1 :]
        assert [item.line for item in rest] == [item.line for item in every[index + 1 :]]
    return every


def test_csv_resumes_at_every_record_with_its_line_numbers(tmp_path: Path) -> None:
    rows = [
        b'1,10,,,,,Nursing,N,,,"one\r\ntwo\rthree"\r\n',  # CRLF and a lone CR inside the text
        b"\r\n",
        b'2,10,,,,,Nursing,N,,1,"flagged"\n',
        b'3,10,,,,,Nursing,N,,,"left open\n',
        b'4,11,,,,,Nursing,N,,,"four"\n',
    ]
    path = tmp_path / "notes.csv.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"\xef\xbb\xbf" + HEADER + b"".join(rows))
    found = resumed_alike(path)
    outline = [(item.note_id, getattr(item, "reason", "note"), item.line) for item in found]
    assert outline == [
        ("1", "note", 2),
        ("2", "ISERROR=1", 6),
        ("3", "malformed record", 7),
        ("4", "note", 8),
    ]
    assert isinstance(found[0], Note) and found[0].text == "one\r\ntwo\rthree"
    assert found[0].fields["CATEGORY"] == "Nursing" and "TEXT" not in found[0].fields


def test_jsonl_and_text_resume_at_every_record(tmp_path: Path) -> None:
    jsonl = tmp_path / "notes.jsonl"
    jsonl.write_bytes(
        b'\xef\xbb\xbf{"id": 1, "text": "one"}\n\n{"id": 2, "text": "bad \xe9"}\r\n'
        b'{"text": "no id"}\n{"id": 4, "text": "four"}'
    )
    found = resumed_alike(jsonl, require_id=False)
    assert [(item.note_id, item.line) for item in found] == [
        ("1", 1), (None, 3), ("4", 4), ("4", 5),
    ]  # fmt: skip
    assert isinstance(found[1], Rejected) and found[1].detail.startswith("text: byte 0xe9")
    text = tmp_path / "notes.txt"
    text.write_bytes(b"first\nsame\n\n\n  \nsecond \xff\n\nthird")
    found = resumed_alike(text)
    assert [(item.note_id, getattr(item, "reason", "note")) for item in found] == [
        ("1", "note"), ("6", "unreadable encoding"), ("8", "note"),
    ]  # fmt: skip
    assert isinstance(found[0], Note) and found[0].text == "first\nsame"


def test_one_encoding_policy_and_its_limits(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_bytes(b"ROW_ID,TEXT\n1,caf\xe9\n")
    (latin,) = open_notes(path, encoding="latin-1").items()
    assert isinstance(latin, Note) and latin.text == "café"
    (strict,) = open_notes(path).items()
    assert isinstance(strict, Rejected) and strict.reason == "unreadable encoding"
    with pytest.raises(ValueError, match="'utf-16' is not supported"):
        open_notes(path, encoding="utf-16")
    with pytest.raises(ValueError, match="Unknown encoding 'klingon'"):
        open_notes(path, encoding="klingon")


def test_distill_takes_the_old_option_names_with_a_warning(tmp_path: Path) -> None:
    from spacy_minialbert.distill import load_config
    from spacy_minialbert.distill.config import renamed_data_settings
    from tests.distill.conftest import TINY_CONFIG

    def config_with(settings: str) -> Path:
        path = tmp_path / "old.cfg"
        path.write_text(TINY_CONFIG.read_text().replace("[data]\n", f"[data]\n{settings}"))
        return path

    base = {"paths.teacher": "teacher", "paths.data": ["notes.csv"]}
    config = load_config(TINY_CONFIG, base)
    assert (config.data.text_column, config.data.keep_iserror) == (None, False)
    with pytest.warns(FutureWarning, match=r"data\.skip_error_rows is deprecated"):
        old = load_config(config_with("skip_error_rows = false\n"), base)
    assert old.data.keep_iserror is True
    with pytest.warns(FutureWarning, match=r"data\.csv_text_column is deprecated"):
        old = load_config(config_with('csv_text_column = "BODY"\n'), base)
    assert old.data.text_column == "BODY"
    differing = config_with('text_field = "a"\ncsv_text_column = "b"\n')
    with pytest.raises(ValueError, match=r"set data\.text_column"), pytest.warns(FutureWarning):
        load_config(differing, base)
    # A checkpoint written under the old names resumes with the same settings.
    saved = {"text_field": "text", "csv_text_column": "TEXT", "skip_error_rows": True}
    assert renamed_data_settings(saved, warn=False) == {"keep_iserror": False}


def test_init_backbone_reads_notes_through_the_reader(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from spacy_minialbert.cli.backbone import read_texts

    (tmp_path / "a.txt").write_bytes(b"one\n\ntwo \xff\n")
    (tmp_path / "b.jsonl").write_bytes(b'{"text": "three"}\n')
    (tmp_path / "ignored.md").write_text("not read")
    with caplog.at_level(logging.WARNING, logger="spacy_minialbert.notes"):
        assert list(read_texts([tmp_path])) == ["one", "three"]
    messages = [record.getMessage() for record in caplog.records]
    assert messages[0].startswith(f"{tmp_path / 'a.txt'}:3: skipped, unreadable encoding: text:")
    assert messages[1] == f"{tmp_path / 'a.txt'}: 1 records skipped (unreadable encoding: 1)."


def test_the_reader_imports_no_spacy_or_torch_and_hf_no_application() -> None:
    """The layers import downwards: the reader is pure Python, and hf (which init-backbone
    feeds with the reader's texts) reaches up to no application."""
    reader = "import sys, spacy_minialbert.notes\nassert not {'spacy', 'torch'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", reader], check=True)
    hf = (
        "import sys, spacy_minialbert.hf.scratch\n"
        "above = ('distill', 'annotate', 'corpora', 'cli', 'notes')\n"
        "found = [m for m in sys.modules if m.startswith('spacy_minialbert.') and "
        "m.split('.')[1] in above]\n"
        "assert not found, found"
    )
    subprocess.run([sys.executable, "-c", hf], check=True)
