"""New backbones from scratch: a WordPiece tokenizer trained on local text and a randomly
initialised MiniALBERT, saved in our format. Used where no pretrained checkpoint can be
downloaded (the offline demo) and as the starting point of from-scratch training."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import torch
from tokenizers import BertWordPieceTokenizer
from transformers import BertTokenizerFast

from .configuration import MiniAlbertConfig
from .modeling import MiniAlbertModel

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TEXT_SUFFIXES = (".txt", ".jsonl", ".csv", ".gz")


def train_wordpiece(
    texts: Iterable[str], vocab_size: int, *, lowercase: bool, min_frequency: int = 2
) -> BertTokenizerFast:
    """A BERT-style WordPiece tokenizer learned from ``texts`` (``[PAD]`` gets id 0)."""
    model = BertWordPieceTokenizer(lowercase=lowercase, strip_accents=lowercase)
    model.train_from_iterator(
        texts,
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=SPECIAL_TOKENS,
        show_progress=False,
    )
    return BertTokenizerFast(tokenizer_object=model._tokenizer, do_lower_case=lowercase)


def init_backbone(
    output: str | Path,
    tokenizer: BertTokenizerFast,
    *,
    seed: int = 0,
    **config: Any,
) -> MiniAlbertModel:
    """Save a randomly initialised MiniALBERT sized by ``config`` (``MiniAlbertConfig`` fields)
    with ``tokenizer`` to ``output``."""
    model_config = MiniAlbertConfig(
        vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, **config
    )
    tokenizer.model_max_length = model_config.max_position_embeddings
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = MiniAlbertModel(model_config)
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output, safe_serialization=True)
    tokenizer.save_pretrained(output)
    return model


def read_texts(paths: Iterable[str | Path]) -> Iterator[str]:
    """Texts of spaCy DocBins (``.spacy``), plain text, JSONL or NOTEEVENTS CSV files (folders
    are searched for those suffixes)."""
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    from ..distill.sources import DocumentSource, SourcePosition, expand_paths

    others: list[str] = []
    for raw in paths:
        path = Path(raw)
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in found:
            if file.suffix == ".spacy":
                for doc in DocBin().from_disk(file).get_docs(Vocab()):
                    yield doc.text
            elif file.suffix in TEXT_SUFFIXES or not path.is_dir():
                others.append(str(file))
    if others:
        for text, _ in DocumentSource(expand_paths(others)).documents(SourcePosition()):
            yield text
