from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path

import pytest
from spacy.language import Language

from spacy_minialbert.corpora import (
    NOTE_CATEGORIES,
    Account,
    convert_corpus,
    mimic_noteevents_documents,
    record_to_doc,
)
from spacy_minialbert.corpora.conversion import StrictModeError

from .conftest import entries


def _notes(corpora: Path) -> Path:
    return corpora / "mimic-noteevents" / "NOTEEVENTS.csv"


def test_rows_become_documents(corpora: Path, account: Account) -> None:
    records = list(mimic_noteevents_documents(_notes(corpora), account=account))
    assert [(r.doc_id, r.group) for r in records] == [
        ("101", "9001"),
        ("102", "9001"),
        ("106", "9003"),
        ("107", "9004"),
    ]
    first = records[0]
    # Quoted TEXT over many lines, with doubled quotes and commas, read whole.
    assert first.text.count("\n") == 10
    assert 'who reports "crushing" chest pain.' in first.text
    assert first.meta["line"] == "2" and first.meta["hadm_id"] == "5001"
    # "Physician " arrives with a trailing space: the same class as "Physician".
    assert [k for k, v in records[1].cats.items() if v] == ["Physician"]
    assert all(sorted(r.cats) == sorted(NOTE_CATEGORIES) for r in records)
    assert all(sum(r.cats.values()) == 1.0 for r in records)


def test_excluded_rows_are_reported_with_their_line(corpora: Path, account: Account) -> None:
    list(mimic_noteevents_documents(_notes(corpora), account=account))
    assert entries(account) == [
        ("ISERROR=1", "NOTEEVENTS.csv:17"),
        ("empty text", "NOTEEVENTS.csv:19"),
        ("unknown category", "NOTEEVENTS.csv:21"),
        ("malformed row", "NOTEEVENTS.csv:28"),
    ]
    assert account.entries[2].detail == "'Miscellaneous'"
    assert account.entries[3].action == "failed"
    assert account.entries[3].detail == "line 28: 4 fields where the header has 11"


def test_errors_kept_and_categories_selected(corpora: Path, account: Account) -> None:
    records = list(
        mimic_noteevents_documents(
            _notes(corpora), account=account, keep_iserror=True, categories=["Nursing", "ECG"]
        )
    )
    assert [r.doc_id for r in records] == ["103", "107"]
    assert records[0].cats == {"Nursing": 1.0, "ECG": 0.0}
    # Deliberate filtering is counted, not itemised.
    assert account.documents_excluded["category not selected"] == 4  # 101, 102, 104, 106
    assert ("category not selected", "NOTEEVENTS.csv:2") not in entries(account)
    with pytest.raises(ValueError, match="Unknown NOTEEVENTS categories"):
        list(mimic_noteevents_documents(_notes(corpora), account=account, categories=["Notes"]))


def test_placeholders_are_single_tokens_in_docs(
    corpora: Path, account: Account, nlp: Language
) -> None:
    record = next(iter(mimic_noteevents_documents(_notes(corpora), account=account)))
    doc = record_to_doc(record, nlp.make_doc, account)
    placeholders = [t.text for t in doc if t.text.startswith("[**")]
    assert placeholders == [
        "[**2150-3-1**]",
        "[**2150-3-4**]",
        "[**Known lastname 1234**]",
        "[**First Name (Titles) **]",
        "[**Last Name (Titles) **]",
    ]
    assert doc.user_data["group"] == "9001"
    assert doc.cats["Discharge summary"] == 1.0


def test_streams_gzip_and_huge_fields(tmp_path: Path, account: Account) -> None:
    long_text = "Pt stable. " * 20_000  # 220 KB: over the csv module's default field limit
    path = tmp_path / "NOTEEVENTS.csv.gz"
    with gzip.open(path, "wt", newline="", encoding="utf8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row_id", "subject_id", "category", "iserror", "text"])
        writer.writerow([1, 7, "Nursing", "", long_text])
    (record,) = mimic_noteevents_documents(path, account=account)
    assert record.text == long_text and record.group == "7"


def test_header_is_checked(tmp_path: Path, account: Account) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("ROW_ID,TEXT\n1,hello\n")
    with pytest.raises(ValueError, match=r"notes.csv: not a NOTEEVENTS CSV, the header lacks "):
        list(mimic_noteevents_documents(path, account=account))


def test_plain_text_outputs(corpora: Path, tmp_path: Path) -> None:
    convert_corpus("mimic-noteevents", _notes(corpora), tmp_path / "notes.jsonl")
    lines = (tmp_path / "notes.jsonl").read_text(encoding="utf8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["101", "102", "106", "107"]
    assert json.loads(lines[0])["text"].startswith("Admission Date:  [**2150-3-1**]")
    account = convert_corpus("mimic-noteevents", _notes(corpora), tmp_path / "notes.txt")
    documents = (tmp_path / "notes.txt").read_text(encoding="utf8").split("\n\n")
    assert len(documents) == 4 == account.documents_converted
    assert documents[0].splitlines()[:2] == [
        "Admission Date:  [**2150-3-1**]              Discharge Date:   [**2150-3-4**]",
        "Service: MEDICINE",
    ]
    saved = json.loads((tmp_path / "notes.account.json").read_text())
    assert saved["documents"]["excluded_reasons"] == {
        "ISERROR=1": 1,
        "empty text": 1,
        "unknown category": 1,
    }
    assert saved["documents"]["failed_reasons"] == {"malformed row": 1}


def test_text_output_needs_a_text_format(corpora: Path, tmp_path: Path) -> None:
    shutil.copytree(corpora / "brat" / "corpus", tmp_path / "brat")
    with pytest.raises(ValueError, match=r"brat has entities; write it to a \.spacy file"):
        convert_corpus("brat", tmp_path / "brat", tmp_path / "out.txt")


NOTEEVENTS_HEADER = "ROW_ID,SUBJECT_ID,HADM_ID,CHARTDATE,CATEGORY,DESCRIPTION,ISERROR,TEXT\n"


def _write_noteevents(path: Path, rows: list[str]) -> Path:
    path.write_text(NOTEEVENTS_HEADER + "".join(rows), encoding="utf8")
    return path


def test_quoting_errors_fail_their_row_and_lose_no_other(tmp_path: Path, account: Account) -> None:
    path = _write_noteevents(
        tmp_path / "NOTEEVENTS.csv",
        [
            '1,10,,2150-03-04,Nursing,Report,,"one, over\n""two"" lines"\n',
            '2,10,,2150-03-04,Nursing,Report,,"He said "no" to meds"\n',  # undoubled quotes
            '3,11,,2150-03-04,Nursing,Report,,"never closed\n',
            '4,11,5001,2150-03-04,Radiology,Report,,"four"\n',
            '5,12,,2150-03-04,Nursing,Report,,"also never closed\n',
            '6,12,,2150-03-04,ECG,Report,,"\nsix starts on a new line"\n',  # no csv error here
            '7,13,,2150-03-04,Nursing,Report,,"left open at the end of the file\n',
        ],
    )
    records = list(mimic_noteevents_documents(path, account=account))
    assert [(r.doc_id, r.meta["line"]) for r in records] == [("1", "2"), ("4", "6"), ("6", "8")]
    assert records[0].text == 'one, over\n"two" lines'
    assert records[2].text == "\nsix starts on a new line"
    failed = [(e.action, e.reason, e.doc_id, e.line, e.detail) for e in account.entries]
    assert failed == [
        ("failed", "malformed row", "2", 4, "line 4: not well-formed CSV: ',' expected after '\"'"),
        ("failed", "malformed row", "3", 5, "line 5: not well-formed CSV: ',' expected after '\"'"),
        (
            "failed",
            "malformed row",
            "5",
            7,
            "line 7: line 8, inside this row's quoted text, starts like another row "
            "(an unbalanced quote?)",
        ),
        (
            "failed",
            "malformed row",
            "7",
            10,
            "line 10: not well-formed CSV: unexpected end of data",
        ),
    ]
    assert account.documents_failed == {"malformed row": 4}


def test_strict_conversion_fails_on_a_malformed_row(tmp_path: Path) -> None:
    path = _write_noteevents(
        tmp_path / "NOTEEVENTS.csv",
        ['1,10,,2150-03-04,Nursing,Report,,"fine"\n', '2,10,,,Nursing,Report,,"left open\n'],
    )
    for output in (tmp_path / "notes.jsonl", tmp_path / "notes.spacy"):
        with pytest.raises(StrictModeError, match=r"NOTEEVENTS.csv:3: failed, malformed row"):
            convert_corpus("mimic-noteevents", path, output, strict=True)
        assert not output.exists()
    account = convert_corpus("mimic-noteevents", path, tmp_path / "notes.jsonl")
    assert account.documents_converted == 1 and account.documents_failed == {"malformed row": 1}
