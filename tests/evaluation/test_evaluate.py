"""`spacy-minialbert evaluate`: per-label scores, charts and a displaCy page."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from spacy_minialbert.cli import app
from spacy_minialbert.cli import commands as _commands  # noqa: F401  (registers commands)

PNG = b"\x89PNG\r\n\x1a\n"


def test_evaluate_writes_scores_charts_and_page(
    trained: Path, corpus: dict, tmp_path: Path
) -> None:
    log = tmp_path / "log.jsonl"
    rows = [
        {
            "epoch": 0,
            "step": step,
            "losses": {"transformer": 9.0 / (step + 1), "ner": 20.0 / (step + 1)},
            "scores": {"ents_f": step * 5.0, "cats_score": step * 4.0, "speed": 900.0},
            "score": step * 0.045,
        }
        for step in (0, 8, 16)
    ]
    log.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = tmp_path / "eval"
    result = CliRunner().invoke(
        app, ["evaluate", str(trained), str(corpus["dev"]), str(out), "--training-log", str(log)]
    )
    assert result.exit_code == 0, result.output
    scores = json.loads((out / "scores.json").read_text())
    assert scores["n_docs"] == 10
    assert set(scores["ents_per_label"]) <= {"PROBLEM", "TREATMENT"}
    assert sum(label["support"] for label in scores["ents_per_label"].values()) == 20
    assert set(scores["cats_per_label"]) == {"CARDIO", "NEURO"}
    assert sum(label["support"] for label in scores["cats_per_label"].values()) == 10
    assert 0.0 <= scores["ents"]["f1"] <= 1.0 and 0.0 <= scores["cats"]["f1"] <= 1.0
    for chart in ("per_label.png", "training.png"):
        assert (out / chart).read_bytes().startswith(PNG)
    page = (out / "predictions.html").read_text()
    assert page.count("gold</h3>") == 10 and page.count("predicted</h3>") == 10
    assert "predicted category" in page


def test_evaluate_prints_baselines_next_to_the_pipeline(
    trained: Path, corpus: dict, tmp_path: Path
) -> None:
    bow = tmp_path / "bow.json"
    bow.write_text(json.dumps({"cats": {"precision": 0.5, "recall": 0.5, "f1": 0.873, "auc": 0.9}}))
    result = CliRunner().invoke(
        app,
        ["evaluate", str(trained), str(corpus["dev"]), str(tmp_path / "out"), "--baseline",
         f"bag-of-words={bow}"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Against the baselines" in result.output and "bag-of-words" in result.output
    cats_row = next(line for line in result.output.splitlines() if "categories macro F1" in line)
    assert "87.3" in cats_row
    ents_row = next(line for line in result.output.splitlines() if "entities F1" in line)
    ours = json.loads((tmp_path / "out" / "scores.json").read_text())["ents"]["f1"]
    assert f"{ours * 100:.1f}" in ents_row


def test_evaluate_refuses_a_missing_baseline_before_scoring(trained: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["evaluate", str(trained), str(tmp_path / "x.spacy"), str(tmp_path / "out"),
              "--baseline", f"bow={tmp_path / 'missing.json'}"],
    )  # fmt: skip
    assert result.exit_code != 0 and "no such scores file" in result.output


def test_evaluate_refuses_empty_data(trained: Path, tmp_path: Path) -> None:
    from spacy.tokens import DocBin

    DocBin().to_disk(tmp_path / "empty.spacy")
    result = CliRunner().invoke(
        app, ["evaluate", str(trained), str(tmp_path / "empty.spacy"), str(tmp_path / "out")]
    )
    assert result.exit_code != 0 and "holds no documents" in str(result.exception)


def test_init_backbone_trains_a_vocabulary_and_saves_a_loadable_model(
    corpus: dict, tmp_path: Path
) -> None:
    from transformers import AutoTokenizer

    from spacy_minialbert import MiniAlbertModel

    result = CliRunner().invoke(
        app,
        ["init-backbone", str(tmp_path / "bb"), "--text", str(corpus["train"]),
         "--vocab-size", "120", "--hidden-size", "32", "--embedding-size", "16",
         "--num-attention-heads", "2", "--intermediate-size", "64", "--num-hidden-layers", "2",
         "--reduction-factor", "4", "--max-position-embeddings", "64", "--lowercase"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    model = MiniAlbertModel.from_pretrained(str(tmp_path / "bb"))
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "bb")
    assert model.config.vocab_size == len(tokenizer) <= 120
    assert tokenizer.model_max_length == 64 and tokenizer.pad_token_id == 0
    assert "aspirin" in tokenizer.get_vocab()  # learned from the corpus text


def test_categories_are_scored_on_the_documents_that_have_them(
    trained: Path, corpus: dict, tmp_path: Path
) -> None:
    """Dev data for two tasks in one run: documents without gold categories (entity-only
    abstracts) must not count as the classifier's false positives."""
    import spacy
    from spacy.tokens import DocBin
    from spacy.training import Corpus

    from spacy_minialbert.evaluation.scores import score_pipeline

    nlp = spacy.load(trained)
    with_cats = list(Corpus(str(corpus["dev"]))(nlp))
    entity_only = list(DocBin().from_disk(corpus["dev"]).get_docs(nlp.vocab))
    for doc in entity_only:
        doc.cats = {}
    DocBin(docs=entity_only).to_disk(tmp_path / "entities.spacy")
    mixed = with_cats + list(Corpus(str(tmp_path / "entities.spacy"))(nlp))
    alone = score_pipeline(nlp, with_cats)
    together = score_pipeline(nlp, mixed)
    assert together.n_docs == 2 * alone.n_docs
    assert together.cats == alone.cats
    # The entity-only documents still count for entities.
    support = sum(label.support for label in together.ents_per_label.values())
    assert support == 2 * sum(label.support for label in alone.ents_per_label.values())
