"""The Hugging Face adapter: config, models, checkpoint layouts and Auto registration."""

from .configuration import MiniAlbertConfig
from .modeling import (
    MiniAlbertForMaskedLM,
    MiniAlbertForSequenceClassification,
    MiniAlbertForTokenClassification,
    MiniAlbertHeadOutput,
    MiniAlbertModel,
    MiniAlbertModelOutput,
    MiniAlbertPreTrainedModel,
    register_auto_classes,
)

# Whoever imports the model classes gets the Auto registration with them.
register_auto_classes()

__all__ = [
    "MiniAlbertConfig",
    "MiniAlbertForMaskedLM",
    "MiniAlbertForSequenceClassification",
    "MiniAlbertForTokenClassification",
    "MiniAlbertHeadOutput",
    "MiniAlbertModel",
    "MiniAlbertModelOutput",
    "MiniAlbertPreTrainedModel",
    "register_auto_classes",
]
