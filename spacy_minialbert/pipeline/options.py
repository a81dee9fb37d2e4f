"""The options of one MiniALBERT transformer layer, as one typed object.

The registered architectures (:mod:`.architectures`) take them as config keys, build one
:class:`TransformerOptions` and pass it down: to the Thinc model (:mod:`.transformer_model`),
which keeps it to copy itself, and to the shim (:mod:`.shim`), which takes what it needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..compression.lifecycle import InferenceOptions
from .backbones import BackboneLoader


@dataclass(frozen=True)
class TransformerOptions:
    """Where the weights come from and how the transformer trains, predicts and is saved: the
    architecture's config keys (documented in :mod:`.architectures`), checked, with ``backbone``
    the loader called at initialisation (from ``name``, which is "" when a loader was given)."""

    backbone: BackboneLoader
    name: str = ""
    adapters_only: bool = False
    tokenizer_config: Mapping[str, Any] = field(default_factory=dict)
    transformer_config: Mapping[str, Any] = field(default_factory=dict)
    mixed_precision: bool = False
    grad_scaler_config: Mapping[str, Any] = field(default_factory=dict)
    quantize: bool = False
    inference_dtype: str = "float32"
    storage_dtype: str = "float32"

    def __post_init__(self) -> None:
        # Checked when the config is resolved, not at the first prediction.
        self.inference_options()

    def inference_options(self) -> InferenceOptions:
        """A new :class:`InferenceOptions` for one shim (which ``spacy-minialbert quantize``
        changes in place, on that shim only)."""
        return InferenceOptions(self.quantize, self.inference_dtype, self.storage_dtype)
