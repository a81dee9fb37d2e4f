"""NCBI-disease (real brat data): every mention accounted for, four types collapsed to one."""

from __future__ import annotations

from pathlib import Path

import pytest

from spacy_minialbert.corpora import LabelMap, convert_corpus

from .conftest import ASSETS

COLLAPSE = LabelMap.parse("*=DISEASE")


def test_sample_converts_with_every_mention_accounted(corpora: Path, tmp_path: Path) -> None:
    account = convert_corpus(
        "brat", corpora / "ncbi-disease" / "train", tmp_path / "train.spacy", label_map=COLLAPSE
    )
    assert account.documents_converted == 4
    assert account.source_mentions == 45
    assert (account.total("converted"), account.total("changed"), account.total("dropped")) == (
        44,
        1,
        0,
    )
    assert account.ents == {"DISEASE": 45}
    (changed,) = account.problems()
    assert (changed.file.endswith("10200300.ann"), changed.line, changed.reason) == (
        True,
        1,
        "misaligned to tokens",
    )
    assert changed.detail.endswith(
        "expanded to 63-112 'autoimmune lymphoproliferative syndrome, type Ia.'"
    )
    assert (tmp_path / "train.account.json").is_file()


def test_source_labels_are_counted_before_the_map(corpora: Path, tmp_path: Path) -> None:
    account = convert_corpus(
        "brat", corpora / "ncbi-disease" / "devel", tmp_path / "devel.spacy", label_map=COLLAPSE
    )
    assert account.to_dict()["entities"]["by_source_label"] == {
        "CompositeMention": {"converted": 1, "changed": 0, "dropped": 0},
        "Modifier": {"converted": 1, "changed": 0, "dropped": 0},
    }
    assert account.ents == {"DISEASE": 2}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("split", "mentions", "documents"), [("train", 5145, 593), ("devel", 787, 100)]
)
def test_full_corpus_adds_up(tmp_path: Path, split: str, mentions: int, documents: int) -> None:
    source = ASSETS / "ncbi-disease" / split
    if not source.is_dir():
        pytest.skip(f"{source} not present")
    account = convert_corpus("brat", source, tmp_path / f"{split}.spacy", label_map=COLLAPSE)
    assert account.documents_converted == documents
    assert account.source_mentions == mentions
    kept = account.total("converted") + account.total("changed")
    assert kept + account.total("dropped") == mentions
    assert sum(account.ents.values()) == kept
    assert len(account.problems()) >= account.total("changed") + account.total("dropped")
