"""spacy-minialbert: compact recursive transformers (MiniALBERT, ALBERT, ALBERT-ACT) as spaCy
backbones for clinical NLP."""

from importlib.metadata import PackageNotFoundError, version

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

register_auto_classes()

__all__ = [
    "MiniAlbertConfig",
    "MiniAlbertForMaskedLM",
    "MiniAlbertForSequenceClassification",
    "MiniAlbertForTokenClassification",
    "MiniAlbertModel",
    "__version__",
    "register_auto_classes",
]
