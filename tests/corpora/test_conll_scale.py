"""A real-sized CoNLL corpus without document markers (BioCreative V CDR as distributed): documents
of ``n_sents`` sentences, entity placement linear in the document, every mention accounted for."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from spacy.language import Language
from spacy.tokens import DocBin

from spacy_minialbert.corpora import Account, conll_documents, convert_corpus, record_to_doc

from .synthetic_conll import write_cdr_like


def _sentences(n: int) -> str:
    return "".join(f"Sentence\tO\n{i}\tB-Chemical\n.\tO\n\n" for i in range(n))


def test_no_docstart_makes_documents_of_n_sents(tmp_path: Path, account: Account) -> None:
    path = tmp_path / "cdr.conll"
    path.write_text(_sentences(25))
    records = list(conll_documents(path, account=account))
    assert [r.text.count("\n") + 1 for r in records] == [10, 10, 5]
    assert [r.doc_id for r in records] == ["cdr-1", "cdr-2", "cdr-3"]
    assert [len(r.entities) for r in records] == [10, 10, 5]
    (note,) = account.entries
    assert (note.action, note.reason) == (
        "note",
        "no -DOCSTART- line: documents of up to 10 sentences",
    )
    assert note.detail.startswith("3 documents")

    whole = Account("conll")
    (record,) = conll_documents(path, account=whole, n_sents=0)
    assert record.text.count("\n") + 1 == 25 and not whole.entries
    assert [len(r.entities) for r in conll_documents(path, account=Account("c"), n_sents=4)] == [
        4,
        4,
        4,
        4,
        4,
        4,
        1,
    ]


def test_markers_keep_their_documents(tmp_path: Path, account: Account) -> None:
    # Sentences before the first marker are grouped; from the marker on, marker to marker.
    path = tmp_path / "mixed.conll"
    path.write_text(_sentences(3) + "-DOCSTART-\tO\n\n" + _sentences(12))
    records = list(conll_documents(path, account=account, n_sents=2))
    assert [r.text.count("\n") + 1 for r in records] == [2, 1, 12]
    assert [e.detail for e in account.entries] == [
        "2 documents (n_sents=2; 0 makes the file one document)"
    ]


def test_cli_takes_n_sents(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from spacy_minialbert.cli import app, commands  # noqa: F401  (registers the commands)

    path = tmp_path / "cdr.conll"
    path.write_text(_sentences(25))
    output = tmp_path / "cdr.spacy"
    args = ["convert", "conll", str(path), str(output), "--n-sents", "5", "--nlp", "blank:en"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "no -DOCSTART- line: documents of up to 5" in result.output
    assert len(DocBin().from_disk(output)) == 5


def _placement_seconds(path: Path, nlp: Language, repeats: int) -> float:
    """Best time of ``repeats`` to turn the file into one Doc with its entities."""
    path.write_text("-DOCSTART-\tO\n\n" + path.read_text())  # one document, whatever n_sents
    (record,) = conll_documents(path, account=Account("conll"))
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        doc = record_to_doc(record, nlp.make_doc, Account("conll"))
        best = min(best, time.perf_counter() - started)
    assert len(doc.ents) == len(record.entities)
    return best


def test_entity_placement_is_linear_in_the_document(tmp_path: Path, nlp: Language) -> None:
    # Measured on 2,000 and 8,000 lines: 0.03 s and 0.14 s (x4.6) placed linearly; 0.37 s and
    # 5.5 s (x15) when each entity rebuilt Doc.text. Best of three against machine noise.
    small = write_cdr_like(tmp_path / "small.conll", 2_000).path
    large = write_cdr_like(tmp_path / "large.conll", 8_000).path
    ratio = _placement_seconds(large, nlp, 3) / _placement_seconds(small, nlp, 3)
    assert ratio < 8, f"4x the lines took {ratio:.1f}x the time: placement is not linear"


@pytest.mark.slow
@pytest.mark.parametrize("n_sents", [10, 0])
def test_cdr_sized_corpus_converts_in_under_a_minute(tmp_path: Path, n_sents: int) -> None:
    # 120,000 lines without -DOCSTART- (CDR as distributed has 122,730). Measured: 8-19 s with
    # the machine's two cores shared by ten processes; n_sents=0 is one 113,000-token document.
    corpus = write_cdr_like(tmp_path / "cdr.conll", 120_000)
    output = tmp_path / "cdr.spacy"
    started = time.perf_counter()
    account = convert_corpus(
        "conll", corpus.path, output, strict=True, options={"n_sents": n_sents}
    )
    seconds = time.perf_counter() - started
    assert seconds < 60, f"{corpus.lines} lines took {seconds:.0f} s"
    assert account.source_mentions == account.total("converted") == corpus.mentions
    documents = -(-corpus.sentences // n_sents) if n_sents else 1
    assert account.documents_converted == documents
    docs = list(DocBin().from_disk(output).get_docs(Language().vocab))
    assert len(docs) == documents
    assert sum(len(doc.ents) for doc in docs) == corpus.mentions
    assert sum(len(doc) for doc in docs) >= corpus.tokens
