"""spacy-minialbert: compact recursive transformers (MiniALBERT, ALBERT, ALBERT-ACT) as spaCy
backbones for clinical NLP.

The model classes load on first use: commands that need no model (corpus conversion, splitting,
the clinical tokenizer) do not pay for importing torch and transformers. Importing any of them,
or ``spacy_minialbert.hf``, registers ``model_type: "minialbert"`` with the transformers Auto
classes.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .hf import (
        MiniAlbertConfig,
        MiniAlbertForMaskedLM,
        MiniAlbertForSequenceClassification,
        MiniAlbertForTokenClassification,
        MiniAlbertModel,
        register_auto_classes,
    )

try:
    __version__ = version("spacy-minialbert")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "MiniAlbertConfig",
    "MiniAlbertForMaskedLM",
    "MiniAlbertForSequenceClassification",
    "MiniAlbertForTokenClassification",
    "MiniAlbertModel",
    "__version__",
    "register_auto_classes",
]


def __getattr__(name: str) -> Any:
    if name in __all__ and name != "__version__":
        from . import hf

        return getattr(hf, name)
    raise AttributeError(f"module 'spacy_minialbert' has no attribute {name!r}")
