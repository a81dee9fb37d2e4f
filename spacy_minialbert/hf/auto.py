"""Registration with the ``transformers`` Auto classes.

spacy-transformers rebuilds a saved pipeline's transformer with ``AutoConfig``/``AutoModel``
from the stored ``config.json``; ``model_type: "minialbert"`` must be known by then. The spaCy
architecture (found through an entry point) imports this package, which calls this once.
"""

from __future__ import annotations

from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
    BertTokenizer,
    BertTokenizerFast,
)

from .configuration import MiniAlbertConfig
from .modeling import (
    MiniAlbertForMaskedLM,
    MiniAlbertForSequenceClassification,
    MiniAlbertForTokenClassification,
    MiniAlbertModel,
)

_registered = False


def register_auto_classes() -> None:
    """Make ``AutoConfig``, ``AutoModel``, the three head Auto classes and ``AutoTokenizer``
    resolve ``model_type: "minialbert"``. Idempotent."""
    global _registered
    if _registered:
        return
    AutoConfig.register(MiniAlbertConfig.model_type, MiniAlbertConfig, exist_ok=True)
    AutoModel.register(MiniAlbertConfig, MiniAlbertModel, exist_ok=True)
    AutoModelForMaskedLM.register(MiniAlbertConfig, MiniAlbertForMaskedLM, exist_ok=True)
    AutoModelForTokenClassification.register(
        MiniAlbertConfig, MiniAlbertForTokenClassification, exist_ok=True
    )
    AutoModelForSequenceClassification.register(
        MiniAlbertConfig, MiniAlbertForSequenceClassification, exist_ok=True
    )
    # Our checkpoints write `tokenizer_class`; this default covers directories that do not
    # (the published MiniALBERT tokenizers are BERT WordPiece).
    AutoTokenizer.register(
        MiniAlbertConfig,
        slow_tokenizer_class=BertTokenizer,
        fast_tokenizer_class=BertTokenizerFast,
        exist_ok=True,
    )
    _registered = True
