"""The pure PyTorch core of MiniALBERT: no spaCy, no Hugging Face."""

from .adapter import BottleneckAdapter
from .config import EncoderConfig, HaltingConfig
from .encoder import MiniAlbertEncoder
from .halting import HaltingUnit
from .heads import MaskedLMHead
from .outputs import EncoderOutput

__all__ = [
    "BottleneckAdapter",
    "EncoderConfig",
    "EncoderOutput",
    "HaltingConfig",
    "HaltingUnit",
    "MaskedLMHead",
    "MiniAlbertEncoder",
]
