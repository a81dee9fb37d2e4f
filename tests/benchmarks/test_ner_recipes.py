"""benchmarks.ner_recipes at tiny shapes: the tiny backbone, a dozen synthetic documents, one
epoch of the Hugging Face recipe and four steps of configs/ner.cfg; and the pieces its figures
rest on (wordpiece labels, the first-wordpiece rule, seqeval against spaCy's scorer)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import spacy
from spacy.scorer import Scorer
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example

from benchmarks.ner_recipes import report
from benchmarks.ner_recipes.cli import main
from benchmarks.ner_recipes.hf_recipe import encode, first_piece_tags
from benchmarks.ner_recipes.report import Results
from benchmarks.ner_recipes.tags import bio_tags, entity_scores, scored_words
from tests.support.pipelines import build_tiny_backbone, synthetic_docbin

MAX_LENGTH = 14  # the synthetic sentences take 12 to 17 wordpieces: some are cut
TRAIN_DOCS, BATCH = 12, 4


def spaced_doc() -> Doc:
    """A blank line and a double space inside an entity: two whitespace tokens."""
    text = "history of renal  failure .\n\ngiven aspirin daily ."
    doc = spacy.blank("en")(text)
    doc.ents = [
        doc.char_span(text.index(words), text.index(words) + len(words), label=label)
        for words, label in (("renal  failure", "PROBLEM"), ("aspirin", "TREATMENT"))
    ]
    return doc


def save(docs: list[Doc], path: Path) -> Path:
    DocBin(docs=docs, store_user_data=True).to_disk(path)
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ner-recipes")
    vocab = spacy.blank("en").vocab
    train = [*synthetic_docbin(TRAIN_DOCS - 1, seed=0).get_docs(vocab), spaced_doc()]
    devel = list(synthetic_docbin(5, seed=1).get_docs(vocab))
    return {
        "backbone": build_tiny_backbone(root / "backbone"),
        "train": save(train, root / "train.spacy"),
        "devel": save(devel, root / "devel.spacy"),
        "output": root / "out",
        "json": root / "results.json",
    }


@pytest.fixture(scope="module")
def results(tiny: dict[str, Path]) -> Results:
    return main([
        str(tiny["backbone"]), str(tiny["train"]), str(tiny["devel"]), str(tiny["output"]),
        "--learning-rates", "5e-4", "1e-4", "--epochs", "1", "--batch-size", str(BATCH),
        "--max-length", str(MAX_LENGTH), "--spacy-max-steps", "8", "--spacy-eval-frequency", "4",
        "--json", str(tiny["json"]), "--",
        # The tiny backbone has 64 positions; the shipped windows are 128 wordpieces.
        "--components.transformer.model.get_spans.window", "32",
        "--components.transformer.model.get_spans.stride", "24",
        # Fast enough for the few steps to find entities, so both scorers count some.
        "--training.optimizer.learn_rate.initial_rate", "0.005",
        "--training.optimizer.learn_rate.warmup_steps", "1",
    ])  # fmt: skip


def test_both_recipes_run_and_report_every_field(results: Results, tiny: dict[str, Path]) -> None:
    written = json.loads(tiny["json"].read_text())
    assert [run["learning_rate"] for run in written["hf_runs"]] == [5e-4, 1e-4]
    for run in written["hf_runs"]:
        assert run["steps"] == math.ceil(TRAIN_DOCS / BATCH)
        assert run["train_seconds"] > 0
        for scores in (run["words"], run["wordpieces"]):
            assert 0.0 <= scores["f1"] <= 1.0
    assert written["hf_settings"]["max_length"] == MAX_LENGTH
    spacy_run = written["spacy"]
    assert spacy_run["setting"]["max_steps"] == 8
    assert spacy_run["setting"]["window"] == 32
    assert (tiny["output"] / "spacy" / "model-best").is_dir()
    # Same tokens and well-formed BIO: seqeval and spaCy's scorer count the same entities.
    assert spacy_run["words"]["f1"] == pytest.approx(spacy_run["ents_f"])
    best = max(written["hf_runs"], key=lambda run: run["words"]["f1"])
    assert written["best_hf_learning_rate"] == best["learning_rate"]
    expected = round((spacy_run["words"]["f1"] - best["words"]["f1"]) * 100, 2)
    assert written["difference_points"] == pytest.approx(expected)
    table = report.table(results)
    assert table.count("| Hugging Face (authors') | lr ") == 2
    assert "| spaCy | ner.cfg: 8 steps, lr 0.005, windows 32/24," in table


def test_truncation_and_wordless_tokens_are_counted(
    results: Results, tiny: dict[str, Path]
) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny["backbone"]))
    docs = list(DocBin().from_disk(tiny["train"]).get_docs(spacy.blank("en").vocab))
    lengths = [
        len(tokenizer([t.text for t in doc], is_split_into_words=True)["input_ids"]) for doc in docs
    ]
    counts = results.encoding["train"]
    assert isinstance(counts, dict)
    over = sum(length > MAX_LENGTH for length in lengths)
    assert 0 < over < len(docs)
    assert counts["truncated_documents"] == over
    assert counts["longest_wordpieces"] == max(lengths)
    assert counts["words_cut"] > 0
    assert counts["words_without_pieces"] == 0
    assert results.left_out["train"] == {"space_tokens": 2, "space_tokens_in_entities": 1}
    assert results.left_out["devel"] == {"space_tokens": 0, "space_tokens_in_entities": 0}


def test_whitespace_tokens_are_left_out_of_the_scored_words() -> None:
    doc = spaced_doc()
    assert len(doc) == 11
    assert scored_words(doc) == [
        "history", "of", "renal", "failure", ".", "given", "aspirin", "daily", ".",
    ]  # fmt: skip
    assert bio_tags(doc) == [
        "O", "O", "B-PROBLEM", "I-PROBLEM", "O", "O", "B-TREATMENT", "O", "O",
    ]  # fmt: skip


def test_every_wordpiece_gets_its_words_tag(tiny: dict[str, Path]) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny["backbone"]))
    words = [["metformins", "and", "asthma"]]
    encoded = encode(tokenizer, words, [["B-P", "O", "B-P"]], max_length=64)
    word_ids = encoded.word_ids[0]
    assert word_ids.count(0) > 1, "the test needs a word of several wordpieces"
    assert word_ids[0] is None and word_ids[-1] is None
    tags = [tag for tag, word in zip(encoded.piece_tags[0], word_ids, strict=True) if word == 0]
    assert tags == ["B-P"] * word_ids.count(0)
    assert encoded.counts.truncated_documents == 0


def test_a_words_tag_comes_from_its_first_wordpiece() -> None:
    word_ids = [None, 0, 0, 1, 2, 2, None]
    pieces = ["O", "B-D", "O", "I-D", "O", "B-D", "I-D"]
    assert first_piece_tags(word_ids, pieces, words=4) == ["B-D", "I-D", "O", "O"]


def test_seqeval_agrees_with_spacys_scorer_on_the_same_tokens() -> None:
    nlp = spacy.blank("en")
    gold = nlp("chest pain and severe asthma with renal failure today")
    predicted = nlp.make_doc(gold.text)
    # One exact match, one span too long, one too short: P = R = F = 1/3.
    gold.ents = [Span(gold, 0, 2, "P"), Span(gold, 4, 5, "P"), Span(gold, 6, 8, "P")]
    predicted.ents = [Span(predicted, *bounds, "P") for bounds in ((0, 2), (3, 5), (7, 8))]
    scores = Scorer.score_spans([Example(predicted, gold)], "ents")
    found = entity_scores([bio_tags(gold)], [bio_tags(predicted)])
    assert found.f1 == pytest.approx(scores["ents_f"]) == pytest.approx(1 / 3)
    assert found.precision == pytest.approx(scores["ents_p"])
    assert found.recall == pytest.approx(scores["ents_r"])


def test_max_length_over_the_backbones_positions_is_refused(tiny: dict[str, Path]) -> None:
    with pytest.raises(SystemExit, match="max_length 100 is over the backbone's 64 positions"):
        main([
            str(tiny["backbone"]), str(tiny["train"]), str(tiny["devel"]), str(tiny["output"]),
            "--recipes", "hf", "--max-length", "100", "--json", str(tiny["json"]) + ".unused",
        ])  # fmt: skip
