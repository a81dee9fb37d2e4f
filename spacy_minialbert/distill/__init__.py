"""Distilling MiniALBERT students from BERT-family teachers (``spacy-minialbert distill``).

The recipe of Nouriborji et al. (https://aclanthology.org/2023.eacl-main.76): masked-LM plus
layer-to-layer attention, hidden-state and logit distillation, with ALBERT-ACT's ponder cost when
the student halts per token. See ``docs/distillation.md``.
"""

from .config import DistillConfig, load_config, parse_overrides
from .losses import LayerMap
from .run import DistillResult, distill

__all__ = [
    "DistillConfig",
    "DistillResult",
    "LayerMap",
    "distill",
    "load_config",
    "parse_overrides",
]
