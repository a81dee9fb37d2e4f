"""MIMIC-IV-Note files (synthetic, gzip and plain, multi-line quoted text, ``___`` redactions, an
empty hadm_id) through convert, split, the annotate readers and the distillation reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spacy.tokens import DocBin
from spacy.vocab import Vocab
from typer.testing import CliRunner

from spacy_minialbert.annotate import open_notes
from spacy_minialbert.cli import app
from spacy_minialbert.cli import commands as _commands  # noqa: F401  (registers the commands)
from spacy_minialbert.corpora import Account
from spacy_minialbert.corpora.extensions import doc_group
from spacy_minialbert.corpora.mimic_iv import mimic_iv_note_documents
from spacy_minialbert.distill.sources import DocumentSource, SourcePosition, expand_paths
from spacy_minialbert.notes.records import EMPTY_TEXT, Note, Rejected
from tests.omop.mimic_iv_files import subjects, texts, write_mimic_iv


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def test_rows_become_documents(tmp_path: Path) -> None:
    discharge, radiology = write_mimic_iv(tmp_path)
    account = Account("mimic-iv-note")
    records = list(mimic_iv_note_documents(discharge, account=account))
    records += list(mimic_iv_note_documents(radiology, account=account))
    assert [record.doc_id for record in records] == [
        "10000032-DS-21", "10000032-DS-22", "10000084-DS-17",
        "10000117-RR-14", "10000117-AR-15", "10000980-RR-7",
    ]  # fmt: skip
    for record in records:
        assert record.text == texts()[record.doc_id]  # quoted multi-line text read whole
        assert record.group == subjects()[record.doc_id]
        assert [name for name, value in record.cats.items() if value] == [record.doc_id[9:11]]
    report = records[3]
    assert report.meta["hadm_id"] == "" and report.meta["note_seq"] == "14"
    assert 'She said "it hurts"' in records[0].text  # doubled quotes undone
    excluded = [(entry.reason, entry.doc_id) for entry in account.entries]
    assert excluded == [("empty text", "10000560-DS-3"), ("unknown note type", "10000935-XX-1")]


def test_a_detail_file_is_refused_by_name(tmp_path: Path) -> None:
    detail = tmp_path / "discharge_detail.csv"
    detail.write_text("note_id,subject_id,field_name,field_value,field_ordinal\n1,2,author,X,1\n")
    with pytest.raises(ValueError, match="detail file"):
        list(mimic_iv_note_documents(detail, account=Account("x")))
    with pytest.raises(ValueError, match="detail file"):
        open_notes(detail)


def test_convert_keeps_redactions_whole_then_split_keeps_patients_whole(tmp_path: Path) -> None:
    discharge, radiology = write_mimic_iv(tmp_path / "mimic")
    corpus = tmp_path / "corpus"
    run(
        "convert", "mimic-iv-note", str(discharge), str(corpus / "discharge.spacy"), "--no-progress"
    )
    run(
        "convert", "mimic-iv-note", str(radiology), str(corpus / "radiology.spacy"), "--no-progress"
    )
    account = json.loads((corpus / "discharge.account.json").read_text())
    assert "empty text" in json.dumps(account) and "unknown note type" in json.dumps(account)
    docs = []
    for name in ("discharge", "radiology"):
        docs += list(DocBin().from_disk(corpus / f"{name}.spacy").get_docs(Vocab()))
    assert len(docs) == 6
    for doc in docs:
        note_id = doc.user_data["doc_id"]
        assert doc.text == texts()[note_id]  # offsets are offsets into the original
        redactions = [token for token in doc if "___" in token.text]
        assert redactions and all(token.text == "___" for token in redactions)
        assert len(redactions) == doc.text.count("___")
        assert doc_group(doc, fallback="") == subjects()[note_id]
        assert doc.cats[note_id[9:11]] == 1.0
    # One corpus of both files, split by patient: no subject on both sides.
    merged = DocBin(store_user_data=True)
    for doc in docs:
        merged.add(doc)
    merged.to_disk(corpus / "all.spacy")
    run(
        "split", str(corpus / "all.spacy"), str(corpus / "train.spacy"), str(corpus / "dev.spacy"),
        "--dev-fraction", "0.4",
    )  # fmt: skip
    train = list(DocBin().from_disk(corpus / "train.spacy").get_docs(Vocab()))
    dev = list(DocBin().from_disk(corpus / "dev.spacy").get_docs(Vocab()))
    assert train and dev and len(train) + len(dev) == 6
    train_subjects = {doc_group(doc, fallback="") for doc in train}
    dev_subjects = {doc_group(doc, fallback="") for doc in dev}
    assert not train_subjects & dev_subjects
    # Both notes of subject 10000032 (and of 10000117) went to the same side.
    assert {"10000032", "10000117"} <= train_subjects | dev_subjects


def test_annotate_reads_mimic_iv_by_name(tmp_path: Path) -> None:
    discharge, radiology = write_mimic_iv(tmp_path)
    for path in (discharge, radiology):
        items = list(open_notes(path).items())
        notes = [item for item in items if isinstance(item, Note)]
        assert all(note.text == texts()[note.note_id] for note in notes)
        assert all(note.source.startswith(str(path) + ":") for note in notes)
    items = list(open_notes(discharge).items())
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert [(item.note_id, item.reason) for item in rejected] == [("10000560-DS-3", EMPTY_TEXT)]
    # The unknown note type is annotated too: annotate does not filter by type.
    assert len(items) == 5
    # The format can be named, for a file with another name.
    renamed = tmp_path / "notes.csv"
    renamed.write_bytes(radiology.read_bytes())
    assert len(list(open_notes(renamed, input_format="mimic-iv").items())) == 3


def test_distillation_reads_the_text_column(tmp_path: Path) -> None:
    discharge, radiology = write_mimic_iv(tmp_path)
    files = expand_paths([str(discharge), str(radiology)])
    assert [file.format for file in files] == ["mimic-iv", "mimic-iv"]
    documents = [text for text, _ in DocumentSource(files).documents(SourcePosition())]
    expected = [text for text in texts().values() if text.strip()]
    assert documents == expected


@pytest.mark.parametrize("option", ["--keep-iserror", "--include-errors"])
def test_convert_keeps_iserror_rows_under_annotates_name(option: str, tmp_path: Path) -> None:
    """One name for the ISERROR option in convert and annotate (the old name still works)."""
    notes = Path(__file__).parents[1] / "data" / "corpora" / "mimic-noteevents" / "NOTEEVENTS.csv"
    output = tmp_path / "notes.spacy"
    run("convert", "mimic-noteevents", str(notes), str(output), option, "--no-progress")
    account = json.loads((tmp_path / "notes.account.json").read_text())
    assert "ISERROR=1" not in json.dumps(account)
    run("convert", "mimic-noteevents", str(notes), str(output), "--no-progress")
    account = json.loads((tmp_path / "notes.account.json").read_text())
    assert "ISERROR=1" in json.dumps(account)


def test_a_row_with_bytes_that_are_not_utf8_fails_alone(tmp_path: Path) -> None:
    """One encoding policy: undecodable bytes are reported (the row fails, with its line and
    columns), never replaced, and the rows after it are read as usual."""
    path = tmp_path / "radiology.csv"
    header = "note_id,subject_id,hadm_id,note_type,note_seq,charttime,storetime,text\n"
    path.write_bytes(
        header.encode()
        + b'1-RR-1,1,,RR,1,2180-01-01 00:00:00,,"Bad \xff byte .\nsecond line"\n'
        + b'2-RR-1,2,,RR,1,2180-01-02 00:00:00,,"Good ."\n'
    )
    account = Account("mimic-iv-note")
    records = list(mimic_iv_note_documents(path, account=account))
    assert [record.doc_id for record in records] == ["2-RR-1"]
    (entry,) = account.entries
    assert (entry.action, entry.reason, entry.line, entry.doc_id) == (
        "failed",
        "not UTF-8",
        2,
        "1-RR-1",
    )
    assert entry.detail.startswith("column text has bytes that are not UTF-8")
