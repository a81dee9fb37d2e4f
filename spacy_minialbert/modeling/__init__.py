"""The pure PyTorch core of MiniALBERT: no spaCy, no Hugging Face."""

from .config import EncoderConfig
from .encoder import EncoderOutput, MiniAlbertEncoder
from .layer import BottleneckAdapter, activation_module

__all__ = [
    "BottleneckAdapter",
    "EncoderConfig",
    "EncoderOutput",
    "MiniAlbertEncoder",
    "activation_module",
]
