"""The Thinc model behind ``spacy-minialbert.MiniAlbertTransformer.v1``.

A Thinc ``Model[list[Doc], FullTransformerBatch]`` keeping spacy-transformers' contract (so its
``transformer`` component, listeners, ``nlp.replace_listeners`` and ``doc._.trf_data`` work
unchanged), built on public APIs only: thinc's ``PyTorchWrapper_v2``, spacy-transformers' data
classes and alignment functions. Unlike spacy-transformers'
``TransformerModel``, the backbone comes from a loader that understands every MiniALBERT
checkpoint layout, adapter-only training freezes the rest inside the PyTorch model (spaCy's
``frozen_components`` would break the listeners), and windows longer than the model's maximum
are split instead of truncated.

Doc and Token extensions set by the MiniALBERT transformer:
``doc._.act_updates``: mean number of shared-layer applications per real wordpiece, over all
transformer windows of the doc. ``token._.act_updates``: the same over the wordpieces aligned to
the token (several windows may cover it). Both are ``None`` for models without a halting unit
and for docs or tokens without wordpieces; they read ``doc._.trf_data``, so the ``transformer``
component must have run.

``doc._.truncated_tokens``: the tokens the model saw only in part, each alone longer than the
model's maximum length (a 50,000-character ``=====`` line): ``{"token", "start", "end",
"wordpieces", "kept"}`` with the token's index and character offsets, its wordpieces and how
many of them the model saw. An empty list when nothing was cut; ``None`` when no MiniALBERT
transformer has processed the doc."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
from spacy.tokens import Doc, Token
from spacy_transformers.align import get_alignment, get_alignment_via_offset_mapping
from spacy_transformers.data_classes import FullTransformerBatch, WordpieceBatch
from spacy_transformers.layers import split_trf_batch
from thinc.api import ArgsKwargs, Model, PyTorchShim, PyTorchWrapper_v2, chain, xp2torch
from transformers.utils import ModelOutput

from ..hf import MiniAlbertModel, MiniAlbertModelOutput
from .options import TransformerOptions
from .shim import MiniAlbertShim
from .windows import fit_windows, record_truncations, tokenize_windows, truncated_tokens

TRANSFORMER_ARCHITECTURE = "spacy-minialbert.MiniAlbertTransformer.v1"
TOK2VEC_ARCHITECTURE = "spacy-minialbert.MiniAlbertTok2Vec.v1"


class MiniAlbertTransformerModel(Model):
    """The transformer layer whose backbone is a MiniALBERT (or ALBERT, or ALBERT-ACT)."""

    def __init__(self, get_spans: Callable, options: TransformerOptions) -> None:
        self.get_spans = get_spans
        self.options = options
        shim = MiniAlbertShim(options)
        layer: Model[WordpieceBatch, MiniAlbertModelOutput] = PyTorchWrapper_v2(
            shim.slot, convert_inputs=wordpieces_to_torch, convert_outputs=output_from_torch
        )
        # The wrapper builds a plain PyTorchShim; ours replaces it, as it also carries the
        # tokenizer, the inference options and the saved format.
        layer.shims[0] = shim
        super().__init__(
            "transformer",
            forward,
            init=init,
            layers=[layer],
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
    shim.set_backbone(hf_model.transformer, hf_model.tokenizer, hf_model.vocab_file_contents)
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
    listener = listener_model_cfg.get("@architectures", "")
    if (
        result.get("@architectures") == TRANSFORMER_ARCHITECTURE
        and "TransformerListener" in listener
    ):
        result["@architectures"] = TOK2VEC_ARCHITECTURE
        for key in ("pooling", "grad_factor"):
            if key in listener_model_cfg and key not in result:
                result[key] = listener_model_cfg[key]
    return result


def wordpieces_to_torch(
    model: Model, wordpieces: WordpieceBatch, is_train: bool
) -> tuple[ArgsKwargs, Callable[[Any], list]]:
    """The model's keyword arguments, on its device. Wordpiece ids get no gradient."""
    device = cast(PyTorchShim, model.shims[0]).device
    kwargs = {
        "input_ids": xp2torch(wordpieces.input_ids, device=device),
        "attention_mask": xp2torch(wordpieces.attention_mask, device=device),
    }
    if wordpieces.token_type_ids is not None:
        kwargs["token_type_ids"] = xp2torch(wordpieces.token_type_ids, device=device)
    return ArgsKwargs(args=(), kwargs=kwargs), lambda d_inputs: []


def output_from_torch(
    model: Model, inputs_outputs: tuple[WordpieceBatch, MiniAlbertModelOutput], is_train: bool
) -> tuple[MiniAlbertModelOutput, Callable[[ModelOutput], ArgsKwargs]]:
    """The model's output as it is (``FullTransformerBatch`` holds torch tensors); the gradient
    that comes back is that of ``last_hidden_state``, the only output the listeners use."""
    _, output = inputs_outputs

    def backprop(d_output: ModelOutput) -> ArgsKwargs:
        return ArgsKwargs(
            args=(output.last_hidden_state,), kwargs={"grad_tensors": list(d_output.values())}
        )

    return output, backprop


def _mean_updates(doc: Doc, wordpieces: Callable[[Any], np.ndarray]) -> float | None:
    """The mean of ``doc``'s halting updates over the wordpieces that ``wordpieces(trf_data)``
    picks from the flattened batch (a mask or indices); ``None`` when it picks none."""
    data = getattr(doc._, "trf_data", None)
    if data is None or "updates" not in data.model_output:
        return None
    picked = np.asarray(data.model_output["updates"]).ravel()[wordpieces(data)]
    return float(picked.mean()) if picked.size else None


def doc_act_updates(doc: Doc) -> float | None:
    return _mean_updates(
        doc, lambda data: np.asarray(data.wordpieces.attention_mask).astype(bool).ravel()
    )


def token_act_updates(token: Token) -> float | None:
    return _mean_updates(token.doc, lambda data: np.asarray(data.align[token.i].dataXd).ravel())


def register_extensions() -> None:
    """Idempotent; called when the architectures are imported."""
    if not Doc.has_extension("act_updates"):
        Doc.set_extension("act_updates", getter=doc_act_updates)
    if not Token.has_extension("act_updates"):
        Token.set_extension("act_updates", getter=token_act_updates)
    if not Doc.has_extension("truncated_tokens"):
        # Set by the transformer's forward pass (pipeline/windows.py); no mutable default, which
        # spaCy would share between docs.
        Doc.set_extension("truncated_tokens", default=None)
