"""Shared, session-scoped pipelines: each tiny `spacy train` run happens once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from spacy_minialbert import MiniAlbertConfig, MiniAlbertModel
from tests.support.pipelines import synthetic_docbin, train_tiny


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("corpus")
    paths = {"train": directory / "train.spacy", "dev": directory / "dev.spacy"}
    synthetic_docbin(40, seed=0).to_disk(paths["train"])
    synthetic_docbin(10, seed=1).to_disk(paths["dev"])
    return paths


@pytest.fixture(scope="session")
def our_backbone(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A tiny MiniALBERT in our format, with the toy vocabulary."""
    from transformers import BertTokenizerFast

    target = tmp_path_factory.mktemp("backbone") / "tiny-minialbert"
    tokenizer = BertTokenizerFast(vocab_file=str(data_dir / "tiny" / "vocab.txt"))
    config = MiniAlbertConfig(
        vocab_size=len(tokenizer), embedding_size=16, hidden_size=32, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=64, reduction_factor=4,
        max_position_embeddings=64,
    )  # fmt: skip
    MiniAlbertModel(config).save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory, corpus: dict, our_backbone: Path) -> Path:
    return train_tiny(tmp_path_factory.mktemp("trained"), corpus, our_backbone)


@pytest.fixture(scope="session")
def trained_adapters_only(
    tmp_path_factory: pytest.TempPathFactory, corpus: dict, our_backbone: Path
) -> Path:
    return train_tiny(
        tmp_path_factory.mktemp("adapters"),
        corpus,
        our_backbone,
        **{"components.transformer.model.adapters_only": True},
    )
