"""The speed benchmark at tiny shapes: a MiniALBERT of width 32 with the toy vocabulary, a few
hundred words of each corpus, two rounds of a few milliseconds. Built pipelines and converted
corpora go to a temporary cache, never to benchmarks/.cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks.data import NCBI
from benchmarks.speed.encoders import EncoderDims
from benchmarks.speed.options import SpeedOptions
from benchmarks.speed.pipelines import SpeedPipeline, build_pipeline
from benchmarks.speed.sections import corpora_for
from tests.conftest import DATA

TINY = EncoderDims(
    vocab_size=1100, embedding=16, hidden=32, ffn=64, heads=2, recursions=2, adapter_reduction=4
)


@pytest.fixture(scope="session")
def tiny_backbone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random MiniALBERT of the tiny widths; 256 positions cover the 128-wordpiece windows
    of benchmarks/ner_312.cfg."""
    from transformers import BertTokenizerFast

    from spacy_minialbert import MiniAlbertConfig, MiniAlbertModel

    target = tmp_path_factory.mktemp("bench-backbone") / "tiny"
    tokenizer = BertTokenizerFast(vocab_file=str(DATA / "tiny" / "vocab.txt"))
    config = MiniAlbertConfig(
        vocab_size=len(tokenizer), embedding_size=TINY.embedding, hidden_size=TINY.hidden,
        num_hidden_layers=TINY.recursions, num_attention_heads=TINY.heads,
        intermediate_size=TINY.ffn, reduction_factor=TINY.adapter_reduction,
        max_position_embeddings=256,
    )  # fmt: skip
    MiniAlbertModel(config).save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


@pytest.fixture(scope="session")
def ncbi_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first few NCBI-disease abstracts of train and devel, in the same brat layout."""
    target = tmp_path_factory.mktemp("ncbi")
    for split, count in (("train", 8), ("devel", 4)):
        (target / split).mkdir()
        for text in sorted((NCBI / split).glob("*.txt"))[:count]:
            for path in (text, text.with_suffix(".ann")):
                shutil.copy(path, target / split / path.name)
    return target


@pytest.fixture(scope="session")
def tiny_options(
    tmp_path_factory: pytest.TempPathFactory, tiny_backbone: Path, ncbi_sample: Path
) -> SpeedOptions:
    return SpeedOptions(
        threads=1,
        rounds=2,
        seconds=0.01,
        pipeline_rounds=2,
        pipe_seconds=0.01,
        words=300,
        train_rounds=2,
        train_steps=1,
        train_batch=2,
        settle_seconds=0.0,
        dims=TINY,
        shapes=((2, 16), (1, 32)),
        gemm_shapes=((64, 32, 64),),
        cache=tmp_path_factory.mktemp("bench-cache"),
        backbone=tiny_backbone,
        ncbi=ncbi_sample,
        corpora=corpora_for(300),
    )


@pytest.fixture(scope="session")
def tiny_pipeline(tiny_options: SpeedOptions) -> Path:
    """benchmarks/ner_312.cfg on the tiny backbone, initialised on NCBI-disease train: the
    pipeline the trained variants derive from (its weights are random)."""
    return build_pipeline(SpeedPipeline("minialbert-312", "minialbert"), tiny_options)
