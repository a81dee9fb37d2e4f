"""The input readers: every record comes out as a note or as a rejection with its reason and
where it is; nothing is dropped."""

from __future__ import annotations

import codecs
import gzip
import json
import os
from pathlib import Path

import pytest
import spacy

from spacy_minialbert.annotate import RunOptions, annotate
from spacy_minialbert.notes import detect_format, open_notes
from spacy_minialbert.notes.records import Note, Rejected

HEADER = b"ROW_ID,SUBJECT_ID,HADM_ID,CHARTDATE,CATEGORY,ISERROR,TEXT\n"


def write_csv(path: Path, rows: list[bytes]) -> Path:
    path.write_bytes(HEADER + b"".join(rows))
    return path


def items(path: Path, **options: object) -> list[Note | Rejected]:
    return list(open_notes(path, **options).items())  # type: ignore[arg-type]


def test_csv_multiline_quotes_placeholders_and_bad_rows(tmp_path: Path) -> None:
    note = 'Line one "quoted" [**2150-3-4**],\r\nline two.'
    rows = [
        b'1,10,,2150-3-4,Physician ,,"' + note.replace('"', '""').encode() + b'"\n',
        b'2,10,,2150-3-4,Nursing,,"  \n "\n',  # blank text
        b'3,11,,2150-3-4,Nursing,,"bad \xff byte"\n',  # not UTF-8
        b'4,11,,2150-3-4,Nursing,1,"flagged"\n',  # ISERROR
        b',12,,2150-3-4,Nursing,,"no id"\n',
        b"6,12,,2150-3-4,Nursing\n",  # short row
    ]
    found = items(write_csv(tmp_path / "notes.csv", rows))
    assert found[0] == Note("1", note, f"{tmp_path / 'notes.csv'}:2")
    reasons = [(r.note_id, r.outcome, r.reason) for r in found[1:]]  # type: ignore[union-attr]
    assert reasons == [
        ("2", "failed", "empty text"),
        ("3", "failed", "unreadable encoding"),
        ("4", "skipped", "ISERROR=1"),
        (None, "failed", "missing id"),
        ("6", "failed", "malformed record"),
    ]
    assert "byte 0xff at character 4" in found[2].detail  # type: ignore[union-attr]
    assert found[3].source.endswith("notes.csv:7")  # rows 1-2 span lines 2-4


def test_csv_columns_are_configurable_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("note_key,body\nA,some text\n")
    assert items(path, id_column="note_key", text_column="BODY") == [
        Note("A", "some text", f"{path}:2")
    ]
    with pytest.raises(ValueError, match="no column ROW_ID or TEXT"):
        items(path)


def test_csv_gz_and_field_larger_than_csv_default_limit(tmp_path: Path) -> None:
    text = "word " * 40_000  # 200 KB, over the csv module's 128 KiB default
    path = tmp_path / "notes.csv.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(HEADER + f'7,1,,,Radiology,0,"{text}"\n'.encode())
    assert items(path) == [Note("7", text, f"{path}:2")]


def test_jsonl_records_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    lines = [
        json.dumps({"id": 17, "text": "Denies chest pain."}).encode(),
        b"",
        b'{"id": "18", "text": "bad \xff"}',
        b"{not json",
        json.dumps({"id": "19"}).encode(),
        json.dumps({"id": "20", "text": "x", "ISERROR": 1}).encode(),
        json.dumps(["a list"]).encode(),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    found = items(path)
    assert found[0] == Note("17", "Denies chest pain.", f"{path}:1")
    summary = [(r.note_id, r.reason, r.source.rsplit(":", 1)[1]) for r in found[1:]]  # type: ignore[union-attr]
    assert summary == [
        (None, "unreadable encoding", "3"),
        (None, "malformed record", "4"),
        ("19", "missing text", "5"),
        ("20", "ISERROR=1", "6"),
        (None, "malformed record", "7"),
    ]


def test_folder_ids_are_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "n2.txt").write_bytes(b"Second note.\r\n")
    (tmp_path / "a.txt").write_bytes(b"First.")
    (tmp_path / "c.txt").write_bytes(b"\xfe\xff")
    (tmp_path / "ignored.md").write_text("not a note")
    source = open_notes(tmp_path)
    assert source.total == 4
    found = list(source.items())
    assert found[:2] == [
        Note("a", "First.", str(tmp_path / "a.txt")),
        Note("b/n2", "Second note.\r\n", str(tmp_path / "b" / "n2.txt")),
    ]
    assert isinstance(found[2], Rejected) and found[2].reason == "unreadable encoding"
    assert found[3] == Rejected(None, str(tmp_path / "ignored.md"), "skipped", "not a .txt file")
    assert source.position() == 4


def test_format_detection(tmp_path: Path) -> None:
    assert detect_format(tmp_path) == "folder"
    assert detect_format(tmp_path / "n.CSV.gz") == "csv"
    assert detect_format(tmp_path / "n.ndjson") == "jsonl"
    with pytest.raises(ValueError, match="--format"):
        detect_format(tmp_path / "n.xlsx")


def test_csv_blank_lines_hold_no_record(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "n.csv", [b"\n", b'9,1,,,Nursing,0,"text"\n', b"\n\n"])
    assert items(path) == [Note("9", "text", f"{path}:3")]


def outline(found: list[Note | Rejected]) -> list[tuple[str | None, str, str]]:
    """(id, "note" or the reason, line) of every record, to see that no row went missing."""
    return [
        (
            item.note_id,
            "note" if isinstance(item, Note) else item.reason,
            item.source.rsplit(":")[-1],
        )
        for item in found
    ]


def test_csv_unterminated_quote_on_the_last_row_fails_with_its_lines(tmp_path: Path) -> None:
    rows = [b'1,10,,,Nursing,,"first"\n', b'2,10,,,Nursing,,"never closed,\nsecond line\n']
    found = items(write_csv(tmp_path / "n.csv", rows))
    assert outline(found) == [("1", "note", "2"), ("2", "malformed record", "3")]
    bad = found[1]
    assert isinstance(bad, Rejected) and bad.outcome == "failed"
    assert bad.detail == "lines 3-4: not well-formed CSV: unexpected end of data"


def test_csv_unbalanced_quotes_do_not_swallow_the_following_rows(tmp_path: Path) -> None:
    rows = [
        b'1,10,,2150-3-4,Nursing,,"He said "no" to meds"\n',  # quotes inside not doubled
        b'2,10,,2150-3-4,Nursing,,"two"\n',
        b'3,11,,2150-3-4,Nursing,,"never closed\n',
        b'4,11,5001,2150-3-4,Nursing,,"four, over\ntwo lines"\n',
        b'5,12,,2150-3-4,Nursing,,"five"\n',
        b'6,12,,2150-3-4,Nursing,,"never closed either\n',
        b'7,13,,2150-3-4,Nursing,,"\nseven starts on a new line"\n',  # no csv error here
        b'8,13,,2150-3-4,Nursing,,"eight"\n',
    ]
    found = items(write_csv(tmp_path / "n.csv", rows))
    assert outline(found) == [
        ("1", "malformed record", "2"),
        ("2", "note", "3"),
        ("3", "malformed record", "4"),
        ("4", "note", "5"),
        ("5", "note", "7"),
        ("6", "malformed record", "8"),
        ("7", "note", "9"),
        ("8", "note", "11"),
    ]
    assert found[3].text == "four, over\ntwo lines"  # type: ignore[union-attr]
    assert found[6].text == "\nseven starts on a new line"  # type: ignore[union-attr]
    details = [item.detail for item in found if isinstance(item, Rejected)]
    assert details == [
        "line 2: not well-formed CSV: ',' expected after '\"'",
        "line 4: not well-formed CSV: ',' expected after '\"'",
        "line 8: line 9, inside this row's quoted text, starts like another row "
        "(an unbalanced quote?)",
    ]
    assert not any("never" in detail or "meds" in detail for detail in details)  # no note text


def test_csv_open_quote_before_unquoted_rows_loses_none_of_them(tmp_path: Path) -> None:
    rows = [
        b'1,10,,,Nursing,,"never closed, and the file has no other quote\n',
        b"2,10,,,Nursing,,plain two\n",
        b"3,11,,,Nursing,,plain three\n",
    ]
    found = items(write_csv(tmp_path / "n.csv", rows))
    assert outline(found) == [
        ("1", "malformed record", "2"),
        ("2", "note", "3"),
        ("3", "note", "4"),
    ]


def test_csv_multiline_notes_with_commas_numbers_and_quotes_are_kept(tmp_path: Path) -> None:
    text = (
        "Vitals: BP 120/80, HR 72, T 98.6\n"
        "1,2,3,4,5,6,7,8 (ribs, all intact)\n"
        "10,20,30,40,50,60,70,80\n"  # numbers where rows hold a date and a category
        '"Quoted" phrase, "and more", 3,4\n'
        "\n"
        ",,,,,,,\n"
    )
    quoted = b'"' + text.replace('"', '""').encode() + b'"'
    rows = [
        b"1,10,,2150-3-4,Nursing,," + quoted + b"\n",
        b"2,10,5001,2150-3-5,Physician ,," + quoted + b"\n",
    ]
    found = items(write_csv(tmp_path / "n.csv", rows))
    path = tmp_path / "n.csv"
    assert found == [Note("1", text, f"{path}:2"), Note("2", text, f"{path}:9")]


def test_folder_accounts_for_every_entry_and_survives_a_symlink_loop(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "NOTE.TXT").write_bytes(b"Upper-case suffix.")
    (root / "sub" / "up").symlink_to(root, target_is_directory=True)  # a loop
    (root / "a.txt").write_bytes(b"First.")
    (root / "dangling.txt").symlink_to(root / "missing.txt")
    (root / "self.txt").symlink_to(root / "self.txt")  # a link to itself
    os.mkfifo(root / "pipe.txt")  # reading it would block the run
    (root / "readme.md").write_text("not a note")
    source = open_notes(root)
    found = list(source.items())
    assert source.total == len(found) == source.position() == 7
    assert [
        (item.note_id, item.source, "note" if isinstance(item, Note) else item.outcome)
        for item in found
    ] == [
        ("a", str(root / "a.txt"), "note"),
        ("dangling", str(root / "dangling.txt"), "failed"),
        ("pipe", str(root / "pipe.txt"), "failed"),
        (None, str(root / "readme.md"), "skipped"),
        ("self", str(root / "self.txt"), "failed"),
        ("sub/NOTE", str(root / "sub" / "NOTE.TXT"), "note"),
        (None, str(root / "sub" / "up"), "skipped"),
    ]
    rejected = [item for item in found if isinstance(item, Rejected)]
    assert [(item.reason, item.detail) for item in rejected] == [
        (
            "unreadable file",
            f"symbolic link to {str(root / 'missing.txt')!r}: No such file or directory",
        ),
        ("not a regular file", "a pipe, socket or device is not read as a note"),
        ("not a .txt file", ""),
        (
            "unreadable file",
            f"symbolic link to {str(root / 'self.txt')!r}: Too many levels of symbolic links",
        ),
        ("symlink loop", f"a link back to {root}, which is being read already"),
    ]
    assert found[5] == Note("sub/NOTE", "Upper-case suffix.", str(root / "sub" / "NOTE.TXT"))


def test_a_utf8_byte_order_mark_is_no_part_of_a_note_or_record(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "bom.txt").write_bytes(codecs.BOM_UTF8 + b"Pain 7/10.\n")
    (folder / "only-bom.txt").write_bytes(codecs.BOM_UTF8)
    found = items(folder)
    # Offsets into the note count from "P": the mark is removed, not character 0.
    assert found[0] == Note("bom", "Pain 7/10.\n", str(folder / "bom.txt"))
    assert isinstance(found[1], Rejected) and found[1].reason == "empty text"
    jsonl = tmp_path / "notes.jsonl"
    jsonl.write_bytes(
        codecs.BOM_UTF8 + b'{"id": 1, "text": "One."}\n{"id": 2, "text": "\xef\xbb\xbfTwo."}\n'
    )
    # Only the file's own mark goes: one inside a JSON string is the note's text as written.
    assert items(jsonl) == [
        Note("1", "One.", f"{jsonl}:1"),
        Note("2", "\ufeffTwo.", f"{jsonl}:2"),
    ]


def test_csv_a_stray_line_of_text_is_not_shown_as_an_id(tmp_path: Path) -> None:
    rows = [
        b'1,10,,,Nursing,,"one"\n',
        b"Patient denies pain, fever\n",
        b'3,11,,,Nursing,,"three"\n',
    ]
    found = items(write_csv(tmp_path / "n.csv", rows))
    assert outline(found) == [
        ("1", "note", "2"),
        (None, "malformed record", "3"),  # not "Patient denies pain"
        ("3", "note", "4"),
    ]
    assert found[1].detail == "line 3: 2 fields where the header has 7"  # type: ignore[union-attr]


def test_a_run_over_a_folder_with_a_loop_ends_and_counts_every_entry(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "back").symlink_to(root, target_is_directory=True)
    (root / "sub" / "B.TXT").write_bytes(codecs.BOM_UTF8 + b"Second.")
    (root / "a.txt").write_bytes(b"First.")
    (root / "gone.txt").symlink_to(tmp_path / "missing.txt")
    (root / "notes.md").write_text("not a note")
    output = tmp_path / "out.jsonl"
    summary = annotate(spacy.blank("en"), open_notes(root), output, RunOptions(progress=False))
    assert (summary.read, summary.written) == (5, 2)
    assert summary.skipped == {"symlink loop": 1, "not a .txt file": 1}
    assert summary.failed == {"unreadable file": 1}
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [record["id"] for record in records] == ["a", "sub/B"]
