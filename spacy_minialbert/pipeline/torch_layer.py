"""The Thinc layer around the PyTorch model: thinc's ``PyTorchWrapper_v2`` holding the
MiniALBERT shim, with the conversions between spacy-transformers' ``WordpieceBatch`` and the
model's tensors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from spacy_transformers.data_classes import WordpieceBatch
from thinc.api import ArgsKwargs, Model, PyTorchShim, PyTorchWrapper_v2, xp2torch
from transformers.utils import ModelOutput

from ..hf import MiniAlbertModelOutput
from .shim import MiniAlbertShim


def minialbert_layer(shim: MiniAlbertShim) -> Model[WordpieceBatch, MiniAlbertModelOutput]:
    """``PyTorchWrapper_v2`` computing ``shim``'s model on a batch of wordpieces."""
    layer: Model[WordpieceBatch, MiniAlbertModelOutput] = PyTorchWrapper_v2(
        shim.slot, convert_inputs=wordpieces_to_torch, convert_outputs=output_from_torch
    )
    # The wrapper builds a plain PyTorchShim; ours replaces it, as it also carries the tokenizer,
    # the inference options and the saved format.
    layer.shims[0] = shim
    return layer


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
