"""The shape of a new MiniALBERT, as one typed object: what ``init-backbone`` (its options),
``spacy-minialbert.FreshBackbone.v1`` (its config keys) and the distillation student choose.
The vocabulary comes from the tokenizer, so it is not part of the shape.

Each field's ``help`` is the one description of that setting; ``init-backbone`` makes its
options from these fields. Plain Python below every layer (``init-backbone --help`` must not
import torch): :meth:`MiniAlbertConfig.from_shape
<spacy_minialbert.hf.MiniAlbertConfig.from_shape>` makes the model config and checks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _setting(default: Any, description: str) -> Any:
    return field(default=default, metadata={"help": description})


@dataclass(frozen=True)
class BackboneShape:
    """Widths, depth, adapters, halting and dropout of a MiniALBERT, named as the fields of
    ``MiniAlbertConfig`` (and of the published checkpoints' ``config.json``)."""

    embedding_size: int = _setting(128, "Width of the (factorised) token embeddings.")
    hidden_size: int = _setting(256, "Hidden width of the shared layer.")
    num_hidden_layers: int = _setting(4, "Recursions of the shared layer.")
    num_attention_heads: int = _setting(4, "Attention heads (must divide the hidden width).")
    intermediate_size: int = _setting(1024, "Width of the feed-forward block.")
    hidden_act: str = _setting("gelu", "Activation of the feed-forward block.")
    use_adapter: bool = _setting(True, "Per-recursion adapters (MiniALBERT); off: plain ALBERT.")
    reduction_factor: int = _setting(16, "Adapter width = hidden size / this.")
    use_act: bool = _setting(False, "ALBERT-ACT's per-token halting.")
    act_epsilon: float = _setting(0.01, "A token halts at halting probability 1 - this.")
    max_position_embeddings: int = _setting(512, "Longest window, in wordpieces.")
    hidden_dropout_prob: float = _setting(0.1, "Dropout on hidden states.")
    attention_probs_dropout_prob: float = _setting(0.1, "Dropout on attention weights.")


# The defaults, for signatures that spell the shape out (registered functions, config keys).
DEFAULT_SHAPE = BackboneShape()
