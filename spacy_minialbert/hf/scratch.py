"""New backbones from scratch: a WordPiece tokenizer trained on local text and a randomly
initialised MiniALBERT, saved in our format. Used where no pretrained checkpoint can be
downloaded (the offline demo) and as the starting point of from-scratch training. The texts come
from the caller (``init-backbone`` reads them with :mod:`spacy_minialbert.notes`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import torch
from tokenizers import BertWordPieceTokenizer
from transformers import BertTokenizerFast

from ..backbone_shape import DEFAULT_SHAPE, BackboneShape
from .configuration import MiniAlbertConfig
from .modeling import MiniAlbertModel

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


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
    shape: BackboneShape = DEFAULT_SHAPE,
    *,
    seed: int = 0,
) -> MiniAlbertModel:
    """Save a randomly initialised MiniALBERT of ``shape`` with ``tokenizer`` to ``output``."""
    model_config = MiniAlbertConfig.from_shape(
        shape, vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id
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
