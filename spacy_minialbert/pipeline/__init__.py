"""Thin spaCy builders: the registered architectures and backbone loaders."""

from .architectures import build_minialbert_tok2vec_v1, build_minialbert_transformer_v1
from .backbones import fresh_backbone_v1, pretrained_backbone_v1
from .textcat import build_textcat_transformer_bow_v1
from .token_features import build_transformer_with_features_v1
from .transformer_model import MiniAlbertTransformerModel, register_extensions

# Loading any pipeline that uses our architectures imports this package (entry points), so the
# extensions exist wherever such a pipeline runs.
register_extensions()

__all__ = [
    "MiniAlbertTransformerModel",
    "build_minialbert_tok2vec_v1",
    "build_minialbert_transformer_v1",
    "build_textcat_transformer_bow_v1",
    "build_transformer_with_features_v1",
    "fresh_backbone_v1",
    "pretrained_backbone_v1",
]
