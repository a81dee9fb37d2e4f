"""Registered spaCy architectures: thin builders over :mod:`.transformer_model`."""

# No `from __future__ import annotations`: confection validates these signatures at run time.
from collections.abc import Callable
from typing import Any

from spacy.tokens import Doc
from spacy.util import registry
from spacy_transformers.data_classes import FullTransformerBatch
from spacy_transformers.layers import split_trf_batch, trfs2arrays
from thinc.api import Model, chain
from thinc.types import Floats2d, Ragged

from .backbones import BackboneLoader, pretrained_backbone_v1
from .options import TransformerOptions
from .transformer_model import MiniAlbertTransformerModel


@registry.architectures("spacy-minialbert.MiniAlbertTransformer.v1")
def build_minialbert_transformer_v1(
    get_spans: Callable,
    name: str = "",
    backbone: BackboneLoader | None = None,
    adapters_only: bool = False,
    tokenizer_config: dict[str, Any] = {},  # noqa: B006 (spaCy configs pass dicts)
    transformer_config: dict[str, Any] = {},  # noqa: B006
    mixed_precision: bool = False,
    grad_scaler_config: dict[str, Any] = {},  # noqa: B006
    quantize: bool = False,
    inference_dtype: str = "float32",
    storage_dtype: str = "float32",
) -> Model[list[Doc], FullTransformerBatch]:
    """MiniALBERT as the model of spacy-transformers' ``transformer`` component.

    name: hub id or local directory (our format, published nlpie, ALBERT, ALBERT-ACT), loaded
        at ``nlp.initialize()``. Give either this or ``backbone``.
    backbone: a loader, e.g. ``spacy-minialbert.FreshBackbone.v1`` for a new model.
    adapters_only: train only the per-recursion adapters (and the downstream components); the
        embeddings and the shared layer stay exactly as loaded.
    tokenizer_config: keyword arguments for ``AutoTokenizer.from_pretrained``.
    transformer_config: config overrides (e.g. ``{"hidden_dropout_prob": 0.2}``).
    mixed_precision, grad_scaler_config: as in spacy-transformers (GPU training).
    quantize: int8 dynamic quantization of the linear layers for CPU inference, applied when
        the trained pipeline is loaded (training itself stays float32). ``spacy-minialbert
        quantize`` writes a pipeline whose weights are already int8.
    inference_dtype: what prediction computes in: ``float32`` (default), ``bfloat16`` or
        ``float16`` (autocast; refused on a CPU without native support), or ``auto``
        (bfloat16 on CPUs with AVX512-BF16/AMX, bfloat16 or float16 on GPUs, else float32).
    storage_dtype: ``float32`` (default), ``float16`` or ``bfloat16``: the dtype the weights
        are saved in; half precision halves the pipeline on disk and is cast back at load.
    """
    if bool(name) == (backbone is not None):
        raise ValueError(
            "spacy-minialbert.MiniAlbertTransformer needs exactly one of `name` (a hub id or "
            "local directory) and `backbone` (a loader such as "
            "spacy-minialbert.FreshBackbone.v1); "
            + ("both were given." if name else "neither was given.")
        )
    options = TransformerOptions(
        backbone=backbone if backbone is not None else pretrained_backbone_v1(name),
        name=name,
        adapters_only=adapters_only,
        tokenizer_config=dict(tokenizer_config),
        transformer_config=dict(transformer_config),
        mixed_precision=mixed_precision,
        grad_scaler_config=dict(grad_scaler_config),
        quantize=quantize,
        inference_dtype=inference_dtype,
        storage_dtype=storage_dtype,
    )
    return MiniAlbertTransformerModel(get_spans, options)


@registry.architectures("spacy-minialbert.MiniAlbertTok2Vec.v1")
def build_minialbert_tok2vec_v1(
    get_spans: Callable,
    pooling: Model[Ragged, Floats2d],
    name: str = "",
    backbone: BackboneLoader | None = None,
    adapters_only: bool = False,
    grad_factor: float = 1.0,
    tokenizer_config: dict[str, Any] = {},  # noqa: B006
    transformer_config: dict[str, Any] = {},  # noqa: B006
    mixed_precision: bool = False,
    grad_scaler_config: dict[str, Any] = {},  # noqa: B006
    quantize: bool = False,
    inference_dtype: str = "float32",
    storage_dtype: str = "float32",
) -> Model[list[Doc], list[Floats2d]]:
    """MiniALBERT used directly as a component's token-to-vector layer (no sharing).

    ``nlp.replace_listeners`` turns a listener into this; its layout matches a listener chained
    after the transformer, so the replaced pipeline saves and loads.
    """
    transformer = build_minialbert_transformer_v1(
        get_spans, name, backbone, adapters_only, tokenizer_config, transformer_config,
        mixed_precision, grad_scaler_config, quantize, inference_dtype, storage_dtype,
    )  # fmt: skip
    return chain(chain(transformer, split_trf_batch()), trfs2arrays(pooling, grad_factor))
