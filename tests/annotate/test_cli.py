"""`spacy-minialbert annotate` on a synthetic NOTEEVENTS-style CSV and on a folder of notes.

The entities come from the trained tiny pipeline's ner (no target rules); ConText, the sections
and the sentence boundaries from the components `add_clinical_context` adds."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc
from typer.testing import CliRunner

from spacy_minialbert.cli import app
from spacy_minialbert.cli import commands as _commands  # noqa: F401  (registers the commands)
from tests.support.synthetic_notes import TEST_NOTE

FAILURE_MARKER = "TRIGGER-COMPONENT-FAILURE"
SECOND_NOTE = "HPI:\r\nSeen by Dr. [**First Name (Titles) **] for asthma .\r\n"


@Language.component("test_fails_on_marker")
def fails_on_marker(doc: Doc) -> Doc:
    if FAILURE_MARKER in doc.text:
        raise RuntimeError("this note breaks the component")
    return doc


@pytest.fixture(scope="module")
def failing_pipeline(composed_pipeline: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The composed pipeline plus a component that raises on one marked note."""
    nlp = spacy.load(composed_pipeline)
    nlp.add_pipe("test_fails_on_marker", after="ner")
    target = tmp_path_factory.mktemp("failing") / "pipeline"
    nlp.to_disk(target)
    return target


def quoted(text: str) -> bytes:
    return b'"' + text.replace('"', '""').encode() + b'"'


def noteevents(path: Path) -> Path:
    header = b"ROW_ID,SUBJECT_ID,HADM_ID,CHARTDATE,CHARTTIME,STORETIME,CATEGORY,DESCRIPTION,"
    header += b"CGID,ISERROR,TEXT\n"
    rows = {
        b"101": (b"", quoted(TEST_NOTE)),  # multi-line, a placeholder
        b"102": (b"", quoted(SECOND_NOTE)),  # CRLF, a placeholder with spaces inside
        b"103": (b"", quoted("   \n")),  # empty
        b"104": (b"", b'"Denies chest pain \xe9\xff."'),  # bytes that are not UTF-8
        b"105": (b"1", quoted("Patient denies chest pain .")),  # ISERROR
        b"106": (b"", quoted(f"Reports fever . {FAILURE_MARKER}")),  # breaks a component
        b"107": (b"", quoted("Past Medical History:\nHistory of hypertension .")),
    }
    lines = [
        row_id + b",7,,2150-03-04,,,Physician ,Note,," + iserror + b"," + text + b"\n"
        for row_id, (iserror, text) in rows.items()
    ]
    path.write_bytes(header + b"".join(lines))
    return path


def run(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_annotate_noteevents_csv(failing_pipeline: Path, tmp_path: Path) -> None:
    source = noteevents(tmp_path / "NOTEEVENTS.csv")
    output = tmp_path / "out" / "notes.jsonl"
    entities_csv = tmp_path / "out" / "entities.csv"
    run("annotate", str(failing_pipeline), str(source), str(output), "--batch-size", "4",
        "--no-progress", "--entities-csv", str(entities_csv))  # fmt: skip

    records = {record["id"]: record for record in read_jsonl(output)}
    assert list(records) == ["101", "102", "107"]  # one record per good note, in input order
    errors = {error["id"]: error for error in read_jsonl(tmp_path / "out" / "notes.errors.jsonl")}
    assert {key: e["reason"] for key, e in errors.items()} == {
        "103": "empty text",
        "104": "unreadable encoding",
        "106": "pipeline error",
    }
    data = source.read_bytes()
    row_line = data[: data.index(b"\n106,") + 1].count(b"\n") + 1  # the line its row starts on
    assert (row_line, errors["106"]["source"]) == (18, f"{source}:18")
    assert "component 'test_fails_on_marker'" in errors["106"]["detail"]
    assert "byte 0xe9" in errors["104"]["detail"]

    summary = json.loads((tmp_path / "out" / "notes.summary.json").read_text())
    assert (summary["read"], summary["written"], summary["skipped"], summary["failed"]) == (
        7,
        3,
        1,
        3,
    )
    assert summary["skipped_by_reason"] == {"ISERROR=1": 1}

    texts = {"101": TEST_NOTE, "102": SECOND_NOTE}
    for key, text in texts.items():
        for entity in records[key]["entities"]:  # offsets into the original text
            assert text[entity["start"] : entity["end"]] == entity["text"]
    first = {e["text"]: e for e in records["101"]["entities"]}
    assert first["chest pain"]["negated"] and first["chest pain"]["section"] == "chief_complaint"
    assert first["diabetes"]["family"] and first["diabetes"]["section"] == "family_history"
    assert not first["pneumonia"]["negated"]
    # After a placeholder, offsets are still those of the original text.
    assert first["pneumonia"]["start"] == TEST_NOTE.index("pneumonia")
    assert first["pneumonia"]["section"] == "history_of_present_illness"
    assert [s["category"] for s in records["101"]["sections"]] == [
        "chief_complaint", "family_history", "history_of_present_illness",
    ]  # fmt: skip
    assert set(records["101"]["categories"]) == {"CARDIO", "OTHER"}
    asthma = records["102"]["entities"][0]
    assert (asthma["text"], asthma["start"]) == ("asthma", SECOND_NOTE.index("asthma"))
    history = records["107"]["entities"][0]
    assert history["historical"] and history["section"] == "past_medical_history"

    with entities_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == sum(len(r["entities"]) for r in records.values())
    chest = next(row for row in rows if row["id"] == "101" and row["text"] == "chest pain")
    assert (chest["negated"], chest["section"], chest["modifiers"]) == (
        "true", "chief_complaint", "NEGATED_EXISTENCE",
    )  # fmt: skip


def test_annotate_folder_of_notes(composed_pipeline: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    (notes / "2150").mkdir(parents=True)
    (notes / "2150" / "discharge.txt").write_text(TEST_NOTE, encoding="utf-8")
    (notes / "empty.txt").write_text("")
    (notes / "latin1.txt").write_bytes("Denies chest pain, caf\xe9.".encode("latin-1"))
    output = tmp_path / "folder.jsonl"
    run("annotate", str(composed_pipeline), str(notes), str(output), "--no-progress")

    records = read_jsonl(output)
    assert [r["id"] for r in records] == ["2150/discharge"]
    entities = {e["text"]: e for e in records[0]["entities"]}
    assert entities["chest pain"]["negated"] and entities["diabetes"]["family"]
    errors = read_jsonl(tmp_path / "folder.errors.jsonl")
    assert sorted((e["id"], e["reason"]) for e in errors) == [
        ("empty", "empty text"), ("latin1", "unreadable encoding"),
    ]  # fmt: skip
    summary = json.loads((tmp_path / "folder.summary.json").read_text())
    assert (summary["read"], summary["written"], summary["failed"]) == (3, 1, 2)

    # The same folder again: everything already there is skipped, nothing is written twice.
    run("annotate", str(composed_pipeline), str(notes), str(output), "--no-progress")
    assert [r["id"] for r in read_jsonl(output)] == ["2150/discharge"]
    summary = json.loads((tmp_path / "folder.summary.json").read_text())
    assert summary["skipped_by_reason"] == {"already annotated": 1}
    assert (summary["read"], summary["written"], summary["failed"]) == (3, 0, 2)


def test_plain_trained_pipeline_gets_context_added(notes_pipeline: Path, tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "Patient denies chest pain ."}) + "\n")
    output = tmp_path / "out.jsonl"
    run("annotate", str(notes_pipeline), str(path), str(output), "--no-progress")
    (entity,) = read_jsonl(output)[0]["entities"]
    assert (entity["text"], entity["negated"]) == ("chest pain", True)
    run("annotate", str(notes_pipeline), str(path), str(tmp_path / "plain.jsonl"),
        "--no-progress", "--no-context")  # fmt: skip
    (entity,) = read_jsonl(tmp_path / "plain.jsonl")[0]["entities"]
    assert (entity["text"], entity["negated"], entity["modifiers"]) == ("chest pain", False, [])


def test_bad_arguments_are_errors(composed_pipeline: Path, tmp_path: Path) -> None:
    output = str(tmp_path / "o.jsonl")
    result = CliRunner().invoke(
        app, ["annotate", str(composed_pipeline), str(tmp_path / "none.csv"), output]
    )
    assert isinstance(result.exception, FileNotFoundError)
    (tmp_path / "x.csv").write_text("id,body\n1,text\n")
    result = CliRunner().invoke(
        app, ["annotate", str(composed_pipeline), str(tmp_path / "x.csv"), output]
    )
    assert isinstance(result.exception, ValueError)
    assert "no column ROW_ID or TEXT" in str(result.exception)
    assert list(tmp_path.glob("o*")) == []  # refused before any output was created
