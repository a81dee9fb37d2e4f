"""Where a pipeline's MiniALBERT weights come from, resolved when the pipeline is initialised.

A backbone loader is a callable ``(tokenizer_config, transformer_config) -> HFObjects``.
Registered loaders:

* ``spacy-minialbert.PretrainedBackbone.v1``: a hub id or local directory, in our format, the
  published nlpie format, Hugging Face ALBERT or ALBERT-ACT;
* ``spacy-minialbert.FreshBackbone.v1``: a randomly initialised model of given shape with a
  local WordPiece vocabulary, for tests and from-scratch training.
"""

# No `from __future__ import annotations`: confection validates these signatures at run time.
import functools
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import torch
from spacy.util import registry
from spacy_transformers.data_classes import HFObjects
from transformers import AutoTokenizer, BertTokenizerFast, PreTrainedTokenizerBase

from ..backbone_shape import DEFAULT_SHAPE, BackboneShape
from ..hf import MiniAlbertConfig, MiniAlbertModel
from ..hf.convert import TOKENIZER_FILES
from .tokenizer_files import read_vocab_file, refuse_remote_code

BackboneLoader = Callable[[dict[str, Any], dict[str, Any]], HFObjects]


def hf_objects(
    tokenizer: PreTrainedTokenizerBase,
    transformer: MiniAlbertModel,
    tokenizer_config: dict[str, Any],
    transformer_config: dict[str, Any],
) -> HFObjects:
    """What a loader returns, with the tokenizer's maximum length kept within the model's
    positions: tokenizers saved without a maximum report an enormous one, and
    spacy-transformers uses this value to decide when a window is too long."""
    limit = transformer.config.max_position_embeddings
    if tokenizer.model_max_length is None or tokenizer.model_max_length > limit:
        tokenizer.model_max_length = limit
    return HFObjects(
        tokenizer, transformer, read_vocab_file(tokenizer), tokenizer_config, transformer_config
    )


def load_backbone(
    name: str, tokenizer_config: dict[str, Any], transformer_config: dict[str, Any]
) -> HFObjects:
    """Tokenizer and ``MiniAlbertModel`` from a hub id or a local directory."""
    refuse_remote_code(tokenizer_config, transformer_config)
    directory = Path(name).expanduser()
    if directory.is_dir() and not any((directory / f).is_file() for f in TOKENIZER_FILES):
        raise FileNotFoundError(
            f"{directory} has no tokenizer files (expected one of {', '.join(TOKENIZER_FILES)})."
        )
    transformer = MiniAlbertModel.from_pretrained(name, **transformer_config)
    tokenizer = AutoTokenizer.from_pretrained(name, **tokenizer_config)
    return hf_objects(tokenizer, transformer, tokenizer_config, transformer_config)


@registry.misc("spacy-minialbert.PretrainedBackbone.v1")
def pretrained_backbone_v1(name: str) -> BackboneLoader:
    """Load ``name`` (hub id or local directory) when the pipeline is initialised."""
    return functools.partial(load_backbone, name)


@registry.misc("spacy-minialbert.FreshBackbone.v1")
def fresh_backbone_v1(
    vocab: str,
    embedding_size: int = DEFAULT_SHAPE.embedding_size,
    hidden_size: int = DEFAULT_SHAPE.hidden_size,
    num_hidden_layers: int = DEFAULT_SHAPE.num_hidden_layers,
    num_attention_heads: int = DEFAULT_SHAPE.num_attention_heads,
    intermediate_size: int = DEFAULT_SHAPE.intermediate_size,
    use_adapter: bool = DEFAULT_SHAPE.use_adapter,
    reduction_factor: int = DEFAULT_SHAPE.reduction_factor,
    use_act: bool = DEFAULT_SHAPE.use_act,
    act_epsilon: float = DEFAULT_SHAPE.act_epsilon,
    hidden_act: str = DEFAULT_SHAPE.hidden_act,
    max_position_embeddings: int = DEFAULT_SHAPE.max_position_embeddings,
    hidden_dropout_prob: float = DEFAULT_SHAPE.hidden_dropout_prob,
    attention_probs_dropout_prob: float = DEFAULT_SHAPE.attention_probs_dropout_prob,
    lowercase: bool = False,
    seed: int = 0,
) -> BackboneLoader:
    """A randomly initialised MiniALBERT of the given shape (:class:`BackboneShape`, whose
    fields are this function's config keys) with a WordPiece tokenizer from ``vocab`` (a
    ``vocab.txt`` file, or a directory with tokenizer files), built at initialisation."""
    # The shape from its fields, which the signature spells out for confection to validate.
    arguments = locals()
    shape = BackboneShape(**{item.name: arguments[item.name] for item in fields(BackboneShape)})
    # Checked now, so an impossible shape fails at config time, not at initialisation.
    MiniAlbertConfig.from_shape(shape, vocab_size=1, pad_token_id=0)

    def load(tokenizer_config: dict[str, Any], transformer_config: dict[str, Any]) -> HFObjects:
        refuse_remote_code(tokenizer_config, transformer_config)
        path = Path(vocab).expanduser()
        if path.is_dir():
            tokenizer = AutoTokenizer.from_pretrained(str(path), **tokenizer_config)
        elif path.is_file():
            tokenizer = BertTokenizerFast(
                vocab_file=str(path), do_lower_case=lowercase, **tokenizer_config
            )
        else:
            raise FileNotFoundError(f"FreshBackbone: no vocabulary at {path}.")
        config = MiniAlbertConfig.from_shape(
            shape,
            vocab_size=len(tokenizer),
            pad_token_id=tokenizer.pad_token_id or 0,
            **transformer_config,
        )
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            transformer = MiniAlbertModel(config)
        return hf_objects(tokenizer, transformer, tokenizer_config, transformer_config)

    return load
