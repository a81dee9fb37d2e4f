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
from .backbones import BackboneLoader, pretrained_backbone_v1


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

    @classmethod
    def from_config(
        cls, name: str, backbone: BackboneLoader | None, **options: Any
    ) -> TransformerOptions:
        """The options of an architecture's config block: exactly one of ``name`` and
        ``backbone`` says where the weights come from."""
        if bool(name) == (backbone is not None):
            raise ValueError(
                "spacy-minialbert.MiniAlbertTransformer needs exactly one of `name` (a hub id or "
                "local directory) and `backbone` (a loader such as "
                "spacy-minialbert.FreshBackbone.v1); "
                + ("both were given." if name else "neither was given.")
            )
        loader = backbone if backbone is not None else pretrained_backbone_v1(name)
        return cls(backbone=loader, name=name, **options)

    def inference_options(self) -> InferenceOptions:
        """A new :class:`InferenceOptions` for one shim (which ``spacy-minialbert quantize``
        changes in place, on that shim only)."""
        return InferenceOptions(self.quantize, self.inference_dtype, self.storage_dtype)
