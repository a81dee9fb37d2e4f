"""Tiny BERT teachers (with and without a masked-LM head), a toy WordPiece vocabulary and small
corpora in every input format, all built in temporary directories."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
TINY_CONFIG = REPO / "configs" / "distill" / "tiny.cfg"

SENTENCES = [
    "the patient was seen in the clinic for chest pain and shortness of breath .",
    "she has a history of diabetes and high blood pressure .",
    "the chest x ray showed no acute disease .",
    "he was given aspirin and sent home in stable condition .",
    "blood pressure was normal and the heart rate was regular .",
    "the patient denies fever , cough or weight loss .",
    "a small mass was found in the left lung .",
    "the family history is positive for heart disease and cancer .",
    "she was admitted to the hospital for pain in the right leg .",
    "the wound was clean and the patient was stable .",
    "no history of smoking or alcohol use was reported .",
    "the plan is to follow up in the clinic in two weeks .",
]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
SUFFIXES = ["##s", "##ed", "##ing", "##ly"]


@pytest.fixture(scope="package", autouse=True)
def one_thread() -> Iterator[None]:
    """One torch thread for these tiny models: on a shared 2-core machine a second thread mostly
    waits for a busy core (a tiny forward pass goes from about 10 ms to several hundred)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def toy_vocab() -> list[str]:
    words = sorted({w for s in SENTENCES for w in s.split()})
    return SPECIAL + words + SUFFIXES


def documents(n: int = 12) -> list[str]:
    """``n`` documents of three to five sentences each, deterministic."""
    docs = []
    for i in range(n):
        count = 3 + i % 3
        docs.append(" ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(count)))
    return docs


def write_tokenizer(directory: Path) -> Any:
    from transformers import BertTokenizerFast

    directory.mkdir(parents=True, exist_ok=True)
    vocab = directory / "vocab.txt"
    vocab.write_text("\n".join(toy_vocab()) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True)
    tokenizer.save_pretrained(directory)
    return tokenizer


def bert_config(**overrides: Any) -> Any:
    from transformers import BertConfig

    settings: dict[str, Any] = {
        "vocab_size": len(toy_vocab()),
        "hidden_size": 32,
        "num_hidden_layers": 4,
        "num_attention_heads": 4,
        "intermediate_size": 64,
        "max_position_embeddings": 64,
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
    }
    settings.update(overrides)
    return BertConfig(**settings)


@pytest.fixture(scope="package")
def teacher_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random 4-layer BERT masked-LM (hidden 32, 4 heads) with its tokenizer."""
    import torch
    from transformers import BertForMaskedLM

    directory = tmp_path_factory.mktemp("teacher")
    write_tokenizer(directory)
    torch.manual_seed(1)
    BertForMaskedLM(bert_config()).save_pretrained(directory)
    return directory


@pytest.fixture(scope="package")
def headless_teacher_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain ``BertModel`` (no masked-LM head), like a sentence encoder."""
    import torch
    from transformers import BertModel

    directory = tmp_path_factory.mktemp("headless-teacher")
    write_tokenizer(directory)
    torch.manual_seed(2)
    BertModel(bert_config()).save_pretrained(directory)
    return directory


@pytest.fixture(scope="package")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same documents as plain text (blank-line separated), JSONL and a NOTEEVENTS CSV."""
    directory = tmp_path_factory.mktemp("corpus")
    docs = documents()
    (directory / "notes.txt").write_text("\n\n".join(docs) + "\n", encoding="utf-8")
    with (directory / "notes.jsonl").open("w", encoding="utf-8") as handle:
        for i, doc in enumerate(docs):
            handle.write(json.dumps({"id": f"doc-{i}", "text": doc}) + "\n")
    write_noteevents(directory / "NOTEEVENTS.csv", docs)
    return directory


def write_noteevents(path: Path, texts: list[str], errors: tuple[int, ...] = ()) -> None:
    """A CSV in MIMIC-III NOTEEVENTS layout; rows whose index is in ``errors`` get ISERROR 1."""
    columns = [
        "ROW_ID", "SUBJECT_ID", "HADM_ID", "CHARTDATE", "CHARTTIME", "STORETIME", "CATEGORY",
        "DESCRIPTION", "CGID", "ISERROR", "TEXT",
    ]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for i, text in enumerate(texts):
            flag = "1" if i in errors else ""
            writer.writerow(
                [i + 1, 100 + i, "", "2150-01-01", "", "", "Physician ", "Note", "", flag, text]
            )


def tiny_overrides(teacher: Path, data: list[str], **extra: Any) -> dict[str, Any]:
    overrides: dict[str, Any] = {"paths.teacher": str(teacher), "paths.data": data}
    overrides.update(extra)
    return overrides


def run(
    output: Path, teacher: Path, data: list[str], resume: bool = False, **overrides: Any
) -> Any:
    """Distil with the tiny config; ``overrides`` are dotted settings."""
    from spacy_minialbert.distill import distill, load_config

    config = load_config(TINY_CONFIG, tiny_overrides(teacher, data, **overrides))
    return distill(config, output, resume=resume)


@pytest.fixture(scope="package")
def distilled(
    tmp_path_factory: pytest.TempPathFactory, teacher_dir: Path, corpus_dir: Path
) -> Path:
    """A student after 30 steps of the tiny config over text, JSONL and NOTEEVENTS input."""
    output = tmp_path_factory.mktemp("distilled") / "student"
    data = [str(corpus_dir / name) for name in ("notes.txt", "notes.jsonl", "NOTEEVENTS.csv")]
    result = run(output, teacher_dir, data)
    assert result.steps == 30 and result.resumed_from is None
    return output
