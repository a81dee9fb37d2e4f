"""The Hugging Face adapter: config, models, checkpoint layouts and Auto registration."""

from .auto import register_auto_classes
from .configuration import MiniAlbertConfig
from .modeling import (
    MiniAlbertForMaskedLM,
    MiniAlbertForSequenceClassification,
    MiniAlbertForTokenClassification,
    MiniAlbertModel,
    MiniAlbertPreTrainedModel,
)
from .outputs import MiniAlbertHeadOutput, MiniAlbertModelOutput

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
