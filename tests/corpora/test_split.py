from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

from spacy_minialbert.corpora import assign_dev_groups, split_docbin, split_docs
from spacy_minialbert.corpora.extensions import doc_group


def _docs(groups: list[str | None]) -> list[Doc]:
    vocab = Vocab()
    docs = []
    for index, group in enumerate(groups):
        doc = Doc(vocab, words=["note", str(index)])
        doc.user_data["doc_id"] = f"d{index}"
        if group is not None:
            doc.user_data["group"] = group
        docs.append(doc)
    return docs


GROUPS = [f"patient-{i % 13}" for i in range(60)] + [None] * 10  # 13 patients + 10 loose notes


def test_no_group_in_both_splits() -> None:
    train, dev = split_docs(_docs(GROUPS), dev_fraction=0.2, seed=0)
    train_groups = {doc_group(d, "") for d in train}
    dev_groups = {doc_group(d, "") for d in dev}
    assert not train_groups & dev_groups
    assert len(train) + len(dev) == 70
    assert 10 <= len(dev) <= 18  # near 20 % of 70, in whole groups


def test_deterministic_and_seeded() -> None:
    sizes = Counter(g or f"loose-{i}" for i, g in enumerate(GROUPS))
    first = assign_dev_groups(sizes, 0.2, seed=0)
    assert first == assign_dev_groups(dict(reversed(list(sizes.items()))), 0.2, seed=0)
    assert any(assign_dev_groups(sizes, 0.2, seed=s) != first for s in range(1, 5))


@pytest.mark.parametrize(
    ("sizes", "fraction", "message"),
    [({"a": 1, "b": 1}, 0.0, "between 0 and 1"), ({"a": 3}, 0.2, "Cannot split 1 group")],
)
def test_bad_requests(sizes: dict[str, int], fraction: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        assign_dev_groups(sizes, fraction, seed=0)


def test_both_splits_get_a_group() -> None:
    assert len(assign_dev_groups({"a": 100, "b": 1}, 0.01, seed=0)) == 1
    assert len(assign_dev_groups({"a": 1, "b": 1}, 0.99, seed=0)) == 1


def test_split_docbin_files(tmp_path: Path) -> None:
    source = DocBin(store_user_data=True, docs=_docs(GROUPS))
    source.to_disk(tmp_path / "all.spacy")
    report = split_docbin(tmp_path / "all.spacy", tmp_path / "train.spacy", tmp_path / "dev.spacy")
    train = list(DocBin().from_disk(tmp_path / "train.spacy").get_docs(Vocab()))
    dev = list(DocBin().from_disk(tmp_path / "dev.spacy").get_docs(Vocab()))
    assert (report.train_docs, report.dev_docs) == (len(train), len(dev))
    assert report.train_groups + report.dev_groups == 23
    assert {d.user_data["doc_id"] for d in train + dev} == {f"d{i}" for i in range(70)}


def test_limits_keep_whole_groups_and_say_what_they_left_out(tmp_path: Path) -> None:
    DocBin(store_user_data=True, docs=_docs(GROUPS)).to_disk(tmp_path / "all.spacy")
    full = split_docbin(tmp_path / "all.spacy", tmp_path / "t0.spacy", tmp_path / "d0.spacy")
    report = split_docbin(
        tmp_path / "all.spacy", tmp_path / "train.spacy", tmp_path / "dev.spacy",
        max_train=20, max_dev=6,
    )  # fmt: skip
    train = list(DocBin().from_disk(tmp_path / "train.spacy").get_docs(Vocab()))
    dev = list(DocBin().from_disk(tmp_path / "dev.spacy").get_docs(Vocab()))
    assert 0 < len(train) <= 20 and 0 < len(dev) <= 6
    assert report.train_docs + report.train_left_out == full.train_docs
    assert report.dev_docs + report.dev_left_out == full.dev_docs
    kept = Counter(doc_group(d, d.user_data["doc_id"]) for d in train)
    everywhere = Counter(g or f"d{i}" for i, g in enumerate(GROUPS))
    assert all(kept[group] == everywhere[group] for group in kept)  # groups stay whole
    assert "left out by the limit" in report.summary()
