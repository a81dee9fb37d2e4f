"""No note text in logs, error messages, the errors file or the summary (issue 13, item 2).

Every note of the input carries a canary string. The notes go through ``annotate`` as a whole
run would meet them: a plain note, a note with a token longer than the model's maximum (the
model sees part of it, which its record says), one with a 50,000-character ``=====`` line, one
that makes a component raise with the note's text in its message, bytes that are not UTF-8, a
lone surrogate, a duplicate id, a line that is not JSON, a note over the size limit and a blank
one. Everything a person or a log collector would see is searched for the canary: log records
at DEBUG (the Python API), stderr and stdout of ``spacy-minialbert annotate`` in its own
process, the errors file and the summary. With ``--log-text`` (``RunOptions.log_text``) the
component's message, and so the canary, may appear.

The failing component reaches the separate ``spacy-minialbert`` process as spaCy plugins do:
an entry point (``spacy_factories``) of a small distribution put on ``PYTHONPATH``.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from typer.testing import CliRunner

from spacy_minialbert.annotate import RunOptions, annotate, open_notes
from spacy_minialbert.annotate.limits import NoteLimits
from spacy_minialbert.cli import app
from spacy_minialbert.cli import commands as _commands  # noqa: F401  (registers the commands)

CANARY = "Quillwort"
# A dotted abbreviation stays one spaCy token; each letter and period is a wordpiece of the toy
# vocabulary, so five of these make one token of 90 wordpieces where the model takes 64.
DOTTED = "Q.U.I.L.L.W.O.R.T." * 5
# What any leak would show: the canary, or the start of the dotted token (as the old log did).
LEAKS = (CANARY, "Q.U.I.L.L")
MARKER = "PHI-TEST-FAILURE"
MAX_CHARS = 60_000

PLUGIN = f'''
from spacy.language import Language

@Language.component("phi_test_fails_on_marker")
def fails_on_marker(doc):
    if "{MARKER}" in doc.text:
        raise ValueError(f"cannot annotate {{doc.text!r}}")
    return doc
'''


@pytest.fixture(scope="module")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the failing component as an installed spaCy plugin; also loaded into
    this process, so the pipeline can be built here."""
    root = tmp_path_factory.mktemp("phi-plugin")
    (root / "phi_test_plugin.py").write_text(PLUGIN)
    info = root / "phi_test_plugin-0.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: phi-test-plugin\nVersion: 0.0.0\n")
    (info / "entry_points.txt").write_text(
        "[spacy_factories]\nphi_test_fails_on_marker = phi_test_plugin:fails_on_marker\n"
    )
    spec = importlib.util.spec_from_file_location("phi_test_plugin", root / "phi_test_plugin.py")
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    return root


@pytest.fixture(scope="module")
def failing_pipeline(
    composed_pipeline: Path, plugin: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    nlp = spacy.load(composed_pipeline)
    nlp.add_pipe("phi_test_fails_on_marker", after="ner")
    target = tmp_path_factory.mktemp("phi-pipeline") / "pipeline"
    nlp.to_disk(target)
    return target


def line(note_id: str, text: str) -> bytes:
    return json.dumps({"id": note_id, "text": text}).encode() + b"\n"


RUN_NOTE = f"{CANARY} labs:\n" + "=" * 50_000 + "\nPlan: home ."
RUN_AT = f"characters {RUN_NOTE.index('=')}-{RUN_NOTE.index('=') + 50_000}"
OVERLONG_NOTE = f"HISTORY:\n{CANARY} has {DOTTED} and asthma ."
FAILING_NOTE = f"Reports fever . {MARKER} {CANARY} ."


def hostile_notes(path: Path) -> Path:
    path.write_bytes(
        line("plain", f"CHIEF COMPLAINT:\n{CANARY} denies chest pain .")
        + line("overlong", OVERLONG_NOTE)
        + line("run", RUN_NOTE)
        + line("fails", FAILING_NOTE)
        + b'{"id": "bad-bytes", "text": "' + CANARY.encode() + b' \xff\xfe pain"}\n'
        + b'{"id": "surrogate", "text": "' + CANARY.encode() + b' \\ud800 pain"}\n'
        + line("plain", f"{CANARY} again, with the id of the first note .")
        + b'{"id": "not-json", "text": "' + CANARY.encode() + b" was cut here\n"
        + line("too-long", f"{CANARY} " * (MAX_CHARS // 8))
        + line("blank", "   \n ")
    )  # fmt: skip
    return path


EXPECTED_FAILED = {
    "pipeline error": 1,
    "unreadable encoding": 2,
    "duplicate id": 1,
    "malformed record": 1,
    "note too long": 1,
    "empty text": 1,
}


def side_files(output: Path) -> dict[str, str]:
    """Everything the run wrote next to its output, but the output (whose entities hold their
    text by design) and the entities CSV: the errors file, the summary, any other."""
    return {
        path.name: path.read_text(encoding="utf-8", errors="replace")
        for path in output.parent.iterdir()
        if path.is_file() and path != output
    }


def assert_no_leak(where: str, text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} in {where}:\n{text[:2000]}"


def check_records(output: Path) -> None:
    records = {r["id"]: r for r in map(json.loads, output.read_text().splitlines())}
    assert sorted(records) == ["overlong", "plain", "run"]
    assert records["plain"]["truncated"] == []
    (cut,) = records["overlong"]["truncated"]
    start = OVERLONG_NOTE.index(DOTTED)
    assert (cut["start"], cut["end"]) == (start, start + len(DOTTED))
    assert cut["wordpieces"] == len(DOTTED) and cut["kept"] == 62
    (cut,) = records["run"]["truncated"]
    assert RUN_NOTE[cut["start"] : cut["end"]] == "=" * 50_000
    assert cut["wordpieces"] == 50_000 and cut["kept"] == 62


def check_summary(output: Path) -> dict:
    summary = json.loads(output.with_name(output.stem + ".summary.json").read_text())
    assert summary["written"] == 3
    assert summary["failed_by_reason"] == EXPECTED_FAILED
    return summary


def errors_by_id(output: Path) -> dict[str | None, dict]:
    errors = output.with_name(output.stem + ".errors.jsonl").read_text().splitlines()
    return {e["id"]: e for e in map(json.loads, errors)}


def test_no_note_text_in_logs_errors_or_summary_of_the_api(
    failing_pipeline: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    nlp = spacy.load(failing_pipeline)
    source = hostile_notes(tmp_path / "notes.jsonl")
    output = tmp_path / "out" / "notes.jsonl"
    options = RunOptions(progress=False, limits=NoteLimits(max_chars=MAX_CHARS))
    with caplog.at_level(logging.DEBUG):
        summary = annotate(nlp, open_notes(source), output, options)
    check_records(output)
    check_summary(output)
    # The truncations were logged, by offsets.
    assert RUN_AT in caplog.text
    assert_no_leak("the log records", caplog.text)
    assert_no_leak("the terminal summary", summary.format())
    for name, text in side_files(output).items():
        assert_no_leak(name, text)
    # A NOTEEVENTS-style CSV: bytes that are not UTF-8, a quote left open in the middle.
    csv_source = tmp_path / "NOTEEVENTS.csv"
    csv_source.write_bytes(
        b"ROW_ID,TEXT\n"
        + b'1,"' + CANARY.encode() + b' denies chest pain ."\n'
        + b'2,"' + CANARY.encode() + b' \xff\xfe pain"\n'
        + b'3,"' + CANARY.encode() + b' left "open" here\n'
        + b'4,"' + FAILING_NOTE.encode() + b'"\n'
        + b'5,"' + CANARY.encode() + b' fine ."\n'
    )  # fmt: skip
    csv_output = tmp_path / "csv-out" / "notes.jsonl"
    with caplog.at_level(logging.DEBUG):
        csv_summary = annotate(nlp, open_notes(csv_source), csv_output, options)
    assert csv_summary.written >= 1 and csv_summary.n_failed >= 3
    assert_no_leak("the log records", caplog.text)
    for name, text in side_files(csv_output).items():
        assert_no_leak(name, text)
    failed = errors_by_id(output)["fails"]
    assert failed["detail"] == (
        f"component 'phi_test_fails_on_marker': ValueError on a note of {len(FAILING_NOTE)} "
        "characters (message withheld: it may quote the note; --log-text keeps it)"
    )


def test_no_note_text_from_the_command_in_its_own_process(
    failing_pipeline: Path, plugin: Path, tmp_path: Path
) -> None:
    source = hostile_notes(tmp_path / "notes.jsonl")
    output = tmp_path / "out" / "notes.jsonl"
    script = shutil.which("spacy-minialbert", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "spacy_minialbert"]
    environment = {**os.environ, "PYTHONPATH": str(plugin)}
    arguments = [str(failing_pipeline), str(source), str(output), "--max-note-chars"]
    arguments += [str(MAX_CHARS), "--entities-csv", str(tmp_path / "entities.csv")]
    result = subprocess.run(
        [*command, "annotate", *arguments],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    check_records(output)
    check_summary(output)
    assert "phi_test_fails_on_marker" in errors_by_id(output)["fails"]["detail"]
    assert RUN_AT in result.stderr  # the truncation warning, by offsets
    assert_no_leak("stderr", result.stderr)
    assert_no_leak("stdout", result.stdout)
    for name, text in side_files(output).items():
        assert_no_leak(name, text)


def test_log_text_opts_in_to_exception_messages(failing_pipeline: Path, tmp_path: Path) -> None:
    source = hostile_notes(tmp_path / "notes.jsonl")
    output = tmp_path / "out" / "notes.jsonl"
    arguments = [str(failing_pipeline), str(source), str(output), "--no-progress"]
    arguments += ["--max-note-chars", str(MAX_CHARS), "--log-text"]
    result = CliRunner().invoke(app, ["annotate", *arguments])
    assert result.exit_code == 0, result.output + repr(result.exception)
    check_summary(output)
    detail = errors_by_id(output)["fails"]["detail"]
    assert detail.startswith("component 'phi_test_fails_on_marker': ValueError: cannot annotate")
    assert CANARY in detail
