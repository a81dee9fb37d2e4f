"""The Thinc model behind ``spacy-minialbert.MiniAlbertTransformer.v1``.

A Thinc ``Model[list[Doc], FullTransformerBatch]`` keeping spacy-transformers' contract (so its
``transformer`` component, listeners, ``nlp.replace_listeners`` and ``doc._.trf_data`` work
unchanged), built on public APIs only: thinc's ``PyTorchWrapper_v2`` (:mod:`.torch_layer`),
spacy-transformers' data classes and alignment functions. Unlike spacy-transformers'
``TransformerModel``, the backbone comes from a loader that understands every MiniALBERT
checkpoint layout, adapter-only training freezes the rest inside the PyTorch model (spaCy's
``frozen_components`` would break the listeners), and windows longer than the model's maximum
are split instead of truncated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spacy.tokens import Doc
from spacy_transformers.align import get_alignment, get_alignment_via_offset_mapping
from spacy_transformers.data_classes import FullTransformerBatch, WordpieceBatch
from spacy_transformers.layers import split_trf_batch
from thinc.api import Model, chain

from ..hf import MiniAlbertModel
from .options import TransformerOptions
from .shim import MiniAlbertShim
from .torch_layer import minialbert_layer
from .windows import fit_windows, record_truncations, tokenize_windows, truncated_tokens

TRANSFORMER_ARCHITECTURE = "spacy-minialbert.MiniAlbertTransformer.v1"
TOK2VEC_ARCHITECTURE = "spacy-minialbert.MiniAlbertTok2Vec.v1"


class MiniAlbertTransformerModel(Model):
    """The transformer layer whose backbone is a MiniALBERT (or ALBERT, or ALBERT-ACT)."""

    def __init__(self, get_spans: Callable, options: TransformerOptions) -> None:
        self.get_spans = get_spans
        self.options = options
        shim = MiniAlbertShim(options)
        super().__init__(
            "transformer",
            forward,
            init=init,
            layers=[minialbert_layer(shim)],
            dims={"nO": None},
            attrs={
                "get_spans": get_spans,
                # Serialised with the model by thinc (name, adapters_only): kept as they were.
                "name": options.name,
                "backbone": options.backbone,
                "adapters_only": options.adapters_only,
                # spaCy's nlp.replace_listeners: how a listener becomes a copy of this layer.
                "replace_listener": replace_listener,
                "replace_listener_cfg": replace_listener_cfg,
            },
        )

    @property
    def shim(self) -> MiniAlbertShim:
        return shim_of(self)

    @property
    def tokenizer(self) -> Any:
        return self.shim.tokenizer

    @property
    def transformer(self) -> MiniAlbertModel | None:
        return self.shim.transformer

    def copy(self) -> MiniAlbertTransformerModel:
        """A deep copy, as ``nlp.replace_listeners`` makes for each listener (thinc's own copy
        would return a plain ``Model``, without this class's properties)."""
        copied = MiniAlbertTransformerModel(self.get_spans, self.options)
        copied.attrs.update(self.attrs)
        for dim in self.dim_names:
            if self.has_dim(dim):
                copied.set_dim(dim, self.get_dim(dim))
        copied.layers[0] = self.layers[0].copy()
        return copied


def shim_of(model: Model) -> MiniAlbertShim:
    """The shim of a MiniALBERT transformer layer, also of a copy thinc made (a plain
    ``Model`` when the layer is copied as part of a larger model)."""
    shim = model.layers[0].shims[0]
    assert isinstance(shim, MiniAlbertShim)
    return shim


def init(model: Model, X: Any = None, Y: Any = None) -> None:
    """Load the backbone (once); weights come at initialisation, never at construction."""
    shim = shim_of(model)
    if shim.transformer is not None:
        return
    hf_model = model.attrs["backbone"](shim.tokenizer_config, shim.transformer_config)
    shim.initial_backbone(hf_model.transformer, hf_model.tokenizer, hf_model.vocab_file_contents)
    model.set_dim("nO", hf_model.transformer.config.hidden_size)


def forward(model: Model, docs: list[Doc], is_train: bool) -> tuple[FullTransformerBatch, Callable]:
    tokenizer = shim_of(model).tokenizer
    transformer = model.layers[0]
    max_length = tokenizer.model_max_length
    nested_spans = model.attrs["get_spans"](docs)
    flat_spans = [span for doc_spans in nested_spans for span in doc_spans]
    # Cut at one past the limit: a window of max_length + 1 wordpieces is one that does not fit.
    encoding = tokenize_windows(tokenizer, [span.text for span in flat_spans], max_length + 1)
    lengths = [int(row.sum()) for row in encoding["attention_mask"]] if flat_spans else []
    fitted = fit_windows(nested_spans, lengths, tokenizer, max_length)
    overlong: dict[tuple[Doc, int], int] = {}
    if fitted is not None:
        nested_spans, overlong = fitted.spans, fitted.overlong
        flat_spans = [span for doc_spans in nested_spans for span in doc_spans]
        # Every window fits now but a single token longer than the limit on its own: cut.
        encoding = tokenize_windows(tokenizer, [span.text for span in flat_spans], max_length)
    wordpieces = WordpieceBatch.from_batch_encoding(encoding)
    if "offset_mapping" in encoding:
        align = get_alignment_via_offset_mapping(flat_spans, encoding["offset_mapping"])
    else:
        align = get_alignment(flat_spans, wordpieces.strings, tokenizer.all_special_tokens)
    # Each token cut is listed in doc._.truncated_tokens, so a record can say what the model
    # did not see.
    width = wordpieces.input_ids.shape[1]
    record_truncations(docs, truncated_tokens(flat_spans, overlong, align, width))
    model_output, backprop_tensors = transformer(wordpieces, is_train)
    output = FullTransformerBatch(
        spans=nested_spans, wordpieces=wordpieces, model_output=model_output, align=align
    )

    def backprop(d_output: FullTransformerBatch) -> list[Doc]:
        backprop_tensors(d_output.model_output)
        return docs

    return output, backprop


def replace_listener(model: Model) -> Model:
    return chain(model, split_trf_batch())


def replace_listener_cfg(
    tok2vec_model_cfg: dict[str, Any], listener_model_cfg: dict[str, Any]
) -> dict[str, Any]:
    """The config of a listener replaced by a copy of the transformer: our Tok2Vec twin."""
    result = dict(tok2vec_model_cfg)
    if tok2vec_model_cfg.get(
        "@architectures"
    ) == TRANSFORMER_ARCHITECTURE and "TransformerListener" in listener_model_cfg.get(
        "@architectures", ""
    ):
        result["@architectures"] = TOK2VEC_ARCHITECTURE
        for key in ("pooling", "grad_factor"):
            if key in listener_model_cfg and key not in result:
                result[key] = listener_model_cfg[key]
    return result
