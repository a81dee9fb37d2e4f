"""medspaCy around the trained pipeline: the tokenizer stays the trained one, sections and ConText
survive saving, and the saved pipeline loads in a fresh process without importing medspaCy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import spacy

from spacy_minialbert.annotate.records import note_record
from spacy_minialbert.medical import CALLBACK_NAME, add_clinical_context
from spacy_minialbert.medical.registration import callback_config
from spacy_minialbert.notes.records import Note
from tests.support.synthetic_notes import TEST_NOTE

PLACEHOLDER = "[**First Name (Titles) **]"


def test_components_are_added_around_the_trained_ones(composed_pipeline: Path) -> None:
    nlp = spacy.load(composed_pipeline)
    assert nlp.pipe_names == [
        "transformer", "ner", "textcat",
        "minialbert_clinical_sentencizer", "medspacy_sectionizer", "medspacy_context",
    ]  # fmt: skip
    assert nlp.config["nlp"]["before_creation"] == {"@callbacks": CALLBACK_NAME}


def test_tokenizer_is_the_one_ner_was_trained_with(
    notes_pipeline: Path, composed_pipeline: Path
) -> None:
    text = f"Seen by Dr. {PLACEHOLDER} on [**2150-3-4**] , b.i.d. 500mg ."
    trained, composed = spacy.load(notes_pipeline), spacy.load(composed_pipeline)
    assert type(composed.tokenizer) is type(trained.tokenizer)
    tokens = [t.text for t in composed.make_doc(text)]
    assert tokens == [t.text for t in trained.make_doc(text)]
    assert PLACEHOLDER in tokens and "[**2150-3-4**]" in tokens


def test_sections_and_context_survive_saving(notes_pipeline: Path, composed_pipeline: Path) -> None:
    in_memory = add_clinical_context(spacy.load(notes_pipeline))
    note = Note("1", TEST_NOTE, "test")
    before = note_record(note, in_memory(TEST_NOTE))
    after = note_record(note, spacy.load(composed_pipeline)(TEST_NOTE))
    assert after == before
    entities = {e["text"]: e for e in after["entities"]}
    assert (
        entities["chest pain"]["negated"] and entities["chest pain"]["section"] == "chief_complaint"
    )
    assert entities["diabetes"]["family"] and entities["diabetes"]["section"] == "family_history"
    assert [m["category"] for m in entities["chest pain"]["modifiers"]] == ["NEGATED_EXISTENCE"]


def test_loads_in_a_fresh_process_without_importing_medspacy(composed_pipeline: Path) -> None:
    code = (
        "import json, sys, spacy\n"
        "assert 'medspacy' not in sys.modules\n"
        "nlp = spacy.load(sys.argv[1])\n"
        "doc = nlp(sys.argv[2])\n"
        "print(json.dumps([[e.text, e._.is_negated, e._.is_family, e._.section_category]"
        " for e in doc.ents]))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(composed_pipeline), TEST_NOTE],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = {text: flags for text, *flags in json.loads(done.stdout.strip().splitlines()[-1])}
    assert found["chest pain"] == [True, False, "chief_complaint"]
    assert found["diabetes"] == [False, True, "family_history"]


def test_target_rules_are_saved_with_the_pipeline(notes_pipeline: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"target_rules": [{"literal": "metoprolol", "category": "DRUG"}]}))
    nlp = add_clinical_context(spacy.load(notes_pipeline), target_rules=rules)
    assert nlp.pipe_names.index("minialbert_target_matcher") == nlp.pipe_names.index("ner") + 1
    nlp.to_disk(tmp_path / "p")
    rules.unlink()  # the saved pipeline must not need the file
    doc = spacy.load(tmp_path / "p")("Patient denies chest pain . No metoprolol .")
    found = {e.text: (e.label_, e._.is_negated) for e in doc.ents}
    assert found["metoprolol"] == ("DRUG", True)
    assert found["chest pain"] == ("PROBLEM", True)


def test_bad_target_rules_name_the_rule(notes_pipeline: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"target_rules": [{"literal": "a", "category": "X"}, {"x": 1}]}))
    with pytest.raises(ValueError, match=r"rules.json: rule 1: 'literal' must be"):
        add_clinical_context(spacy.load(notes_pipeline), target_rules=rules)


def test_refusals(composed_pipeline: Path) -> None:
    with pytest.raises(ValueError, match="already has"):
        add_clinical_context(spacy.load(composed_pipeline))
    with pytest.raises(ValueError, match=r"sets doc\.ents"):
        add_clinical_context(spacy.blank("en"))
    blank = spacy.blank("en")
    blank.add_pipe("entity_ruler")
    blank.add_pipe("medspacy_pyrush")
    with pytest.raises(ValueError, match="cannot be saved"):
        add_clinical_context(blank)


@spacy.registry.callbacks("test-notes.MarkClass.v1")
def mark_class() -> Callable[[type], type]:
    def mark(language_class: type) -> type:
        language_class.marked_by_test = True  # type: ignore[attr-defined]
        return language_class

    return mark


def test_an_existing_before_creation_callback_is_kept() -> None:
    ours = {"@callbacks": CALLBACK_NAME}
    theirs = {"@callbacks": "test-notes.MarkClass.v1"}
    assert callback_config(None) == ours
    assert callback_config(ours) == ours
    chained = callback_config(theirs)
    assert chained == {**ours, "then": theirs}
    callback = spacy.registry.resolve({"callback": chained})["callback"]

    class Probe:
        pass

    assert callback(Probe) is Probe and Probe.marked_by_test  # type: ignore[attr-defined]


def test_add_context_writes_into_a_folder_that_does_not_exist_yet(
    notes_pipeline: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from spacy_minialbert.cli import app, commands  # noqa: F401  (registers the commands)

    target = tmp_path / "pipelines" / "clinical-context"
    result = CliRunner().invoke(app, ["add-context", str(notes_pipeline), str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "config.cfg").is_file()
