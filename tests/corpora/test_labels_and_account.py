from __future__ import annotations

import json
from pathlib import Path

import pytest

from spacy_minialbert.corpora import Account, GoldEntity, Issue, LabelMap, account_path


def test_label_map_inline_wildcard_and_drop() -> None:
    label_map = LabelMap.parse("SpecificDisease=DISEASE, Modifier=, *=OTHER")
    assert label_map("SpecificDisease") == "DISEASE"
    assert label_map("Modifier") is None
    assert label_map("CompositeMention") == "OTHER"
    assert LabelMap.parse("a=b")("c") == "c"  # unlisted and no wildcard: unchanged


def test_label_map_json(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"Drug": "MEDICATION", "Form": None}))
    label_map = LabelMap.parse(str(path))
    assert (label_map("Drug"), label_map("Form")) == ("MEDICATION", None)
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="a label map must be a JSON object"):
        LabelMap.parse(str(path))


@pytest.mark.parametrize("spec", ["Drug", "=X", ","])
def test_label_map_errors(spec: str) -> None:
    with pytest.raises(ValueError, match="Label map"):
        LabelMap.parse(spec)


def test_account_adds_up_and_saves(tmp_path: Path) -> None:
    account = Account("brat", "in")
    mention = GoldEntity(0, 5, "Drug", "Advil", line=4)
    account.entity_kept(mention, "Drug", (), file="a.ann")
    account.entity_kept(mention, "Drug", (Issue("misaligned to tokens", "0-5"),), file="a.ann")
    account.entity_dropped(mention, "text mismatch", file="a.ann", detail="reads 'Advi'")
    account.document_converted({"Nursing": 1.0, "ECG": 0.0})
    account.document_excluded("ISERROR=1", file="n.csv", line=7)
    saved = json.loads(account.write_json(account_path(tmp_path / "out.spacy")).read_text())
    assert account_path("corpus/train.spacy") == Path("corpus/train.account.json")
    assert saved["entities"] | {"by_source_label": None} == {
        "source": 3,
        "converted": 1,
        "changed": 1,
        "dropped": 1,
        "changed_reasons": {"misaligned to tokens": 1},
        "dropped_reasons": {"text mismatch": 1},
        "by_source_label": None,
    }
    assert saved["documents"]["excluded_reasons"] == {"ISERROR=1": 1}
    assert saved["cats"] == {"Nursing": 1}
    assert [e["action"] for e in saved["entries"]] == ["changed", "dropped", "excluded"]
    assert saved["entries"][1] == {
        "action": "dropped",
        "reason": "text mismatch",
        "file": "a.ann",
        "line": 4,
        "doc_id": None,
        "start": 0,
        "end": 5,
        "text": "Advil",
        "label": "Drug",
        "detail": "reads 'Advi'",
    }
    assert account.problems()[1].describe(show_text=True) == (
        "a.ann:4 [0:5] Drug 'Advil': dropped, text mismatch (reads 'Advi')"
    )
    # By default no note text: the mention and details quoting the document are left out.
    assert account.problems()[1].describe() == "a.ann:4 [0:5] Drug: dropped, text mismatch"
    rows = dict(account.summary_rows())
    assert rows["entities in source"] == "3"
    assert rows["      text mismatch"] == "1"
