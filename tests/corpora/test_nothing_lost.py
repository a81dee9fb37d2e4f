"""Inputs that used to lose annotations while ``--strict`` passed, or stop a conversion with a
bare traceback: each annotation is converted or accounted for, each unreadable file named with
its line and the rule it broke, and a strict conversion fails whenever anything was not taken
over as it was."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from spacy.language import Language

from spacy_minialbert.cli import commands, main  # noqa: F401  (registers the commands)
from spacy_minialbert.corpora import (
    Account,
    StrictModeError,
    brat_documents,
    conll_documents,
    convert_corpus,
    i2b2_2010_documents,
    i2b2_2012_documents,
    i2b2_2014_documents,
    mtsamples_documents,
    record_to_doc,
)

from .conftest import entries

TEXT = "Aspirin and ibuprofen were given."


def _brat(folder: Path, ann: str, text: str = TEXT) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "doc.txt").write_text(text)
    (folder / "doc.ann").write_text(ann)
    return folder


def _convert(*args: object, **kwargs: object) -> Account:
    """``convert_corpus`` with the blank English tokenizer (what these inputs need)."""
    from spacy.lang.en import English

    return convert_corpus(*args, nlp=English(), **kwargs)  # type: ignore[arg-type]


def _strict_message(format_name: str, source: Path, tmp_path: Path) -> str:
    with pytest.raises(StrictModeError) as raised:
        _convert(format_name, source, tmp_path / "strict.spacy", strict=True)
    assert not (tmp_path / "strict.spacy").exists()
    return str(raised.value)


# brat


def test_brat_repeated_id_keeps_both_mentions(tmp_path: Path, nlp: Language) -> None:
    ann = "T1\tDrug 0 7\tAspirin\nT1\tDrug 12 21\tibuprofen\nA1\tNegated T1\n"
    source = _brat(tmp_path / "brat", ann)
    account = Account("brat")
    (record,) = brat_documents(source, account=account)
    assert [(e.text, dict(e.attributes)) for e in record.entities] == [
        ("Aspirin", {"Negated": "true"}),  # what names T1 goes to its first mention
        ("ibuprofen", {}),
    ]
    doc = record_to_doc(record, nlp.make_doc, account)
    assert [e.text for e in doc.ents] == ["Aspirin", "ibuprofen"]
    assert entries(account) == [("repeated annotation id", "doc.ann:2")]
    assert account.total("changed") == 1
    message = _strict_message("brat", source, tmp_path)
    assert "1 of 2 entities would be changed" in message and "doc.ann:2" in message


def test_brat_whitespace_before_the_id_is_read(tmp_path: Path) -> None:
    source = _brat(tmp_path / "brat", "  T1\tDrug 0 7\tAspirin\n\tT2\tDrug 12 21\tibuprofen\n")
    account = _convert("brat", source, tmp_path / "out.spacy", strict=True)
    assert (account.source_mentions, account.total("converted")) == (2, 2)
    assert entries(account) == [
        ("whitespace before the annotation id (removed)", "doc.ann:1"),
        ("whitespace before the annotation id (removed)", "doc.ann:2"),
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("X1\tSomething T1", "unknown or malformed annotation line"),
        ("A1\tNegated T9", "refers to an unknown annotation"),
        ("R1\tCause Arg1:T1 Arg2:T9", "relation to an unknown or dropped mention"),
    ],
)
def test_brat_annotations_not_converted_fail_strict(tmp_path: Path, line: str, reason: str) -> None:
    source = _brat(tmp_path / "brat", f"T1\tDrug 0 7\tAspirin\n{line}\n")
    account = _convert("brat", source, tmp_path / "out.spacy")
    assert entries(account, "skipped") == [(reason, "doc.ann:2")]
    message = _strict_message("brat", source, tmp_path)
    assert (
        "0 of 1 entities would be changed or dropped, 1 other annotation would not be converted"
        in message
    )
    assert "doc.ann:2" in message and f"skipped, {reason}" in message


@pytest.mark.parametrize(
    ("offsets", "reason"),
    [
        ("7 0", "end before start"),
        ("7 7", "empty fragment"),
        ("0 7;9 3", "end before start"),
        ("30 40", "offsets outside the text"),
    ],
)
def test_brat_offsets_say_what_is_wrong(tmp_path: Path, offsets: str, reason: str) -> None:
    source = _brat(tmp_path / "brat", f"T1\tDrug {offsets}\tAspirin\n")
    account = Account("brat")
    (record,) = brat_documents(source, account=account)
    assert record.entities == []
    assert entries(account, "dropped") == [(reason, "doc.ann:1")]


def test_brat_files_not_utf8_are_named(tmp_path: Path) -> None:
    bad_text = _brat(tmp_path / "text", "T1\tDrug 0 7\tAspirin\n")
    (bad_text / "doc.txt").write_bytes(b"Aspirin and caf\xe9 were given.\n")
    bad_ann = _brat(tmp_path / "ann", "")
    (bad_ann / "doc.ann").write_bytes(b"T1\tDrug 0 7\tAspirin\nT2\tDrug 12 16\tcaf\xe9\n")
    for source, where, dropped in ((bad_text, "doc.txt:1", 1), (bad_ann, "doc.ann:2", 0)):
        account = Account("brat")
        assert list(brat_documents(source, account=account)) == []
        (failed,) = [e for e in account.entries if e.action == "failed"]
        assert (failed.reason, f"{Path(failed.file).name}:{failed.line}") == ("not UTF-8", where)
        assert failed.detail.startswith(f"byte offset {15 if dropped else 37}: e9 is not valid")
        assert account.total("dropped") == dropped  # the .ann's mentions, when it can be read


# i2b2 2014 and 2012 (XML)

XML = """<?xml version="1.0" encoding="UTF-8" ?>
<deIdi2b2>
<TEXT>{text}</TEXT>
<TAGS>
{tags}
</TAGS>
</deIdi2b2>
"""


def _xml(folder: Path, tags: str, text: str = "Seen by Dr. Lee and Dr. Roe today.") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "100-01.xml").write_text(XML.format(text=text, tags=tags))
    return folder


def test_i2b2_2014_phi_element_in_another_case(tmp_path: Path, nlp: Language) -> None:
    source = _xml(
        tmp_path / "xml",
        '<name id="P0" start="12" end="15" text="Lee" TYPE="DOCTOR" comment="" />\n'
        '<NAMES id="P1" start="23" end="26" text="Roe" TYPE="DOCTOR" comment="" />\n'
        '<Remark id="P2" text="check" />',
    )
    account = Account("i2b2-2014")
    (record,) = i2b2_2014_documents(source, account=account, label_by="category")
    (lee,) = record.entities
    assert (lee.text, lee.label, lee.attributes["category"]) == ("Lee", "NAME", "NAME")
    assert [c.detail for c in lee.changes] == ["<name> read as <NAME>"]
    record_to_doc(record, nlp.make_doc, account)
    assert entries(account) == [
        ("unknown element", "100-01.xml:6"),  # <NAMES> has offsets: a dropped mention
        ("unknown element", "100-01.xml:7"),  # <Remark> has none: a skipped annotation
        ("element name in another case", "100-01.xml:5"),
    ]
    assert [e.action for e in account.entries] == ["dropped", "skipped", "changed"]
    assert (account.source_mentions, account.total("changed"), account.total("dropped")) == (
        2,
        1,
        1,
    )
    message = _strict_message("i2b2-2014", source, tmp_path)
    assert message.startswith("strict conversion: 2 of 2 entities would be changed or dropped")


def test_i2b2_2012_event_in_another_case_and_excluded_links(tmp_path: Path) -> None:
    source = _xml(
        tmp_path / "xml",
        '<event id="E0" start="12" end="15" text="Lee" type="OCCURRENCE" />\n'
        '<TLINK id="TL0" fromID="E0" toID="E0" type="OVERLAP" />\n'
        '<Sectime id="S0" start="12" end="15" text="Lee" type="ADMISSION" />',
    )
    account = Account("i2b2-2012")
    (record,) = i2b2_2012_documents(source, account=account)
    assert [(e.label, [c.reason for c in e.changes]) for e in record.entities] == [
        ("OCCURRENCE", ["element name in another case"])
    ]
    # Left out by design: counted, not problems.
    assert account.annotations_excluded == {
        "TLINK (not converted)": 1,
        "SECTIME (not converted)": 1,
    }
    assert account.problems() == []


@pytest.mark.parametrize(
    ("text", "tags", "line"),
    [
        ("Lee &#1114112; today.", "", 3),  # in the TEXT
        ("Lee today.", '<NAME id="P0" start="0" end="3" text="&#xD800;" TYPE="DOCTOR" />', 5),
        ("Lee &#0; today.", "", 3),
    ],
)
def test_character_reference_to_no_character(
    tmp_path: Path, text: str, tags: str, line: int
) -> None:
    source = _xml(tmp_path / "xml", tags, text)
    account = _convert("i2b2-2014", source, tmp_path / "out.spacy")
    (failed,) = account.entries
    assert (failed.action, failed.reason, failed.line) == (
        "failed",
        "character reference to no character",
        line,
    )
    assert "must name a character, U+0001 to U+10FFFF" in failed.detail
    assert account.documents_failed == {"character reference to no character": 1}
    message = _strict_message("i2b2-2014", source, tmp_path)
    assert "1 document could not be read" in message
    assert f"100-01.xml:{line}: failed, character reference to no character" in message


def test_character_reference_error_through_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _xml(tmp_path / "xml", "", "Lee &#1114112; today.")
    output = str(tmp_path / "out.spacy")
    argv = ["spacy-minialbert", "convert", "i2b2-2012", str(source), output, "--strict"]
    monkeypatch.setattr(sys, "argv", [*argv, "--nlp", "blank:en", "--no-progress"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    error = capsys.readouterr().err
    assert "Traceback" not in error
    assert "100-01.xml:3: failed, character reference to no character (&#1114112;: an XML" in error


def test_i2b2_xml_not_utf8(tmp_path: Path) -> None:
    folder = _xml(tmp_path / "xml", "")
    (folder / "100-02.xml").write_bytes(
        XML.format(text="Seen by Dr. Lee.", tags="").encode().replace(b"Lee", b"L\xe9e")
    )
    account = Account("i2b2-2014")
    assert [r.doc_id for r in i2b2_2014_documents(folder, account=account)] == ["100-01"]
    assert entries(account, "failed") == [("not UTF-8", "100-02.xml:3")]


def test_xml_offsets_say_what_is_wrong(tmp_path: Path) -> None:
    source = _xml(
        tmp_path / "xml",
        '<NAME id="P0" start="15" end="12" text="Ann" TYPE="DOCTOR" />\n'
        '<NAME id="P1" start="12" end="12" text="Ann" TYPE="DOCTOR" />\n'
        '<NAME id="P2" start="90" end="93" text="Kim" TYPE="DOCTOR" />',
    )
    account = Account("i2b2-2014")
    list(i2b2_2014_documents(source, account=account))
    assert entries(account, "dropped") == [
        ("end before start", "100-01.xml:5"),
        ("empty span", "100-01.xml:6"),
        ("offsets outside the text", "100-01.xml:7"),
    ]


# i2b2 2010


def _i2b2_2010(folder: Path, concepts: str, text: bytes = b"Pt denies chest pain .\n") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "note.txt").write_bytes(text)
    (folder / "note.con").write_text(concepts)
    (folder / "other.txt").write_text("No fever .\n")
    (folder / "other.con").write_text('c="fever" 1:1 1:1||t="problem"\n')
    return folder


def test_i2b2_2010_positions_say_what_is_wrong(tmp_path: Path) -> None:
    source = _i2b2_2010(
        tmp_path / "c",
        'c="chest pain" 1:3 1:2||t="problem"\n'
        'c="chest pain" 3:2 3:3||t="problem"\n'
        'c="chest pain" 1:2 1:9||t="problem"\n'
        'c="chest pain" 1:2 1:3||t="problem"\n',
    )
    account = Account("i2b2-2010")
    records = list(i2b2_2010_documents(source, account=account))
    assert [len(r.entities) for r in records] == [1, 1]
    assert entries(account) == [
        ("end before start", "note.con:1"),
        ("line outside the text", "note.con:2"),
        ("token outside its line", "note.con:3"),
    ]
    assert account.entries[2].detail == "1:2 1:9: token 9 of line 1, which has 5"


def test_i2b2_2010_text_not_utf8(tmp_path: Path) -> None:
    source = _i2b2_2010(
        tmp_path / "c",
        'c="chest pain" 1:2 1:3||t="problem"\n',
        text=b"Pt denies chest pain .\nCaf\xe9 .\n",
    )
    account = _convert("i2b2-2010", source, tmp_path / "out.spacy")
    assert account.documents_converted == 1  # the other note
    assert entries(account) == [
        ("not UTF-8", "note.txt:2"),
        (".txt file not UTF-8", "note.con:1"),  # its concept, dropped with the reason
    ]
    assert account.entries[0].detail.startswith("byte offset 26: e9 is not valid UTF-8")
    assert "1 document could not be read" in _strict_message("i2b2-2010", source, tmp_path)


def test_i2b2_2010_assertion_file_not_utf8(tmp_path: Path) -> None:
    source = _i2b2_2010(tmp_path / "c", 'c="chest pain" 1:2 1:3||t="problem"\n')
    (source / "note.ast").write_bytes(b'c="chest pain" 1:2 1:3||t="problem"||a="abs\xe9nt"\n')
    account = Account("i2b2-2010")
    records = list(i2b2_2010_documents(source, account=account))
    assert [len(r.entities) for r in records] == [1, 1]  # the concept without its assertion
    assert entries(account, "skipped") == [("assertions: not UTF-8", "note.ast:1")]


# CoNLL


def test_conll_not_utf8_is_named_and_counted(tmp_path: Path) -> None:
    folder = tmp_path / "conll"
    folder.mkdir()
    (folder / "a.conll").write_text("Aspirin\tB-Chemical\n.\tO\n")
    (folder / "b.conll").write_bytes(b"Lithium\tB-Chemical\n\ncaf\xc3\xa9\tO\ncaf\xe9\tO\n")
    account = _convert("conll", folder, tmp_path / "out.spacy")
    assert account.documents_converted == 1
    assert entries(account, "failed") == [("not UTF-8", "b.conll:4")]
    assert account.entries[-1].detail.startswith("byte offset 31: e9 is not valid UTF-8")
    assert "1 document could not be read" in _strict_message("conll", folder, tmp_path)


def test_conll_tag_without_token_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "t.conll"
    path.write_text("Aspirin\tB-Chemical\n\tI-Chemical\n.\tO\n")
    account = Account("conll")
    list(conll_documents(path, account=account))
    assert entries(account, "skipped") == [
        ("tag without a token (line read as a sentence break)", "t.conll:2")
    ]


# MTSamples (plain-text output: strict applies there too)


def test_mtsamples_rows_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "mtsamples.csv"
    path.write_bytes(
        b"note_id,medical_specialty,transcription\n"
        b"1,Cardiology,Chest pain.\n"
        b'2,Cardiology,"Caf\xe9 au lait\nspots."\n'
        b"3,Neurology,Headache.\n"
    )
    account = Account("mtsamples")
    assert [r.doc_id for r in mtsamples_documents(path, account=account)] == [
        "mtsamples-1",
        "mtsamples-3",
    ]
    assert entries(account, "failed") == [("not UTF-8", "mtsamples.csv:3")]
    output = tmp_path / "notes.jsonl"
    with pytest.raises(StrictModeError, match="1 document could not be read"):
        convert_corpus("mtsamples", path, output, strict=True)
    assert not output.exists() and list(tmp_path.glob("*.jsonl")) == []
    convert_corpus("mtsamples", path, output)
    assert len(output.read_text().splitlines()) == 2


def test_i2b2_2010_annotation_files_without_text(tmp_path: Path) -> None:
    source = _i2b2_2010(tmp_path / "c", 'c="chest pain" 1:2 1:3||t="problem"\n')
    (source / "lost.con").write_text('c="cough" 1:0 1:0||t="problem"\n')
    (source / "lost.ast").write_text('c="cough" 1:0 1:0||t="problem"||a="absent"\n')
    account = Account("i2b2-2010")
    assert len(list(i2b2_2010_documents(source, account=account))) == 2
    assert entries(account) == [
        ("no .txt file", "lost.con:None"),
        ("no .txt file", "lost.con:1"),  # its concept, dropped
        ("assertion file without its .txt and .con", "lost.ast:None"),
    ]
    assert account.total("dropped") == 1


def test_strict_error_carries_no_note_text(corpora: Path, tmp_path: Path) -> None:
    message = _strict_message("brat", corpora / "brat" / "corpus", tmp_path)
    assert "doc-1.ann:13" in message and "doc-1.ann:7 [86:96] Drug: dropped" in message
    for surface in ("aspirin", "lisinoprol", "Zofran", "broken", "Advil", "Tylenol", "neede"):
        assert surface not in message


def test_byte_order_mark_of_annotation_files(tmp_path: Path) -> None:
    # Windows editors write one; it used to make the first annotation line unknown (brat, .con)
    # or the first CoNLL token "\ufeffAspirin".
    source = _brat(tmp_path / "brat", "\ufeffT1\tDrug 0 7\tAspirin\n")
    account = Account("brat")
    (record,) = brat_documents(source, account=account)
    assert [e.text for e in record.entities] == ["Aspirin"] and not account.entries
    concepts = _i2b2_2010(tmp_path / "c", '\ufeffc="chest pain" 1:2 1:3||t="problem"\n')
    account = Account("i2b2-2010")
    assert [len(r.entities) for r in i2b2_2010_documents(concepts, account=account)] == [1, 1]
    assert not account.entries
    path = tmp_path / "t.conll"
    path.write_text("\ufeffAspirin\tB-Chemical\n")
    (record,) = conll_documents(path, account=Account("conll"))
    assert (record.text, record.entities[0].text) == ("Aspirin", "Aspirin")
