"""The Thinc shim holding the MiniALBERT PyTorch model inside a spaCy pipeline, and the format
it is saved in.

A thinc ``PyTorchShim`` that also carries the model's tokenizer (which the saved transformer
includes) and what it needs until the weights arrive (the backbone's loading options). It
predicts under ``torch.inference_mode`` on length-sorted buckets of windows
(:mod:`spacy_minialbert.hf.bucketing`), in the dtype its inference options ask for, and leaves
quantization to :mod:`spacy_minialbert.compression`.

Saved format: a msgpack map with ``format`` (``spacy-minialbert/1``, or ``spacy-minialbert/2``
when it holds int8 layers, whose names are listed under ``int8_linears``), ``config`` (the
model's config, empty before initialisation, when ``_init_tokenizer_config`` and
``_init_transformer_config`` hold the loading options instead), ``weights`` (safetensors, never
a pickle; floating tensors possibly stored in half precision and cast back at load) and
``tokenizer`` (the tokenizer's files, written and read by :mod:`.tokenizer_files`, which
refuses names and options that could escape or run code).
"""

from __future__ import annotations

from typing import Any, cast

import srsly
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from thinc.api import ArgsKwargs, PyTorchGradScaler, PyTorchShim, get_torch_default_device
from torch import nn

from ..compression import install_int8_linears, int8_linear_names, storage_state
from ..compression.lifecycle import (
    is_quantized,
    prepare_loaded,
    quantize_for_inference,
    refuse_training,
)
from ..compression.precision import inference_precision
from ..hf import MiniAlbertConfig, MiniAlbertModel
from ..hf.bucketing import BUCKET_TOKENS, bucketed_forward
from .options import TransformerOptions
from .tokenizer_files import refuse_remote_code, tokenizer_from_files, tokenizer_to_files

FORMAT = "spacy-minialbert/1"
# Written only when the weights hold int8 layers, which a reader of format 1 cannot load.
FORMAT_INT8 = "spacy-minialbert/2"
FORMATS = (FORMAT, FORMAT_INT8)


class TransformerSlot(nn.Module):
    """The module the shim wraps for its whole life. Its ``transformer`` arrives after the
    shim is built, at initialisation or when saved weights are loaded; thinc's optimiser,
    device moves and parameter averaging see it through this slot."""

    transformer: MiniAlbertModel | None

    def __init__(self) -> None:
        super().__init__()
        self.register_module("transformer", None)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.required()(*args, **kwargs)

    def required(self) -> MiniAlbertModel:
        if self.transformer is None:
            raise ValueError(
                "The MiniALBERT transformer has no weights yet: initialise the pipeline "
                "(nlp.initialize()) or load a trained one."
            )
        return self.transformer


class MiniAlbertShim(PyTorchShim):
    """A ``PyTorchShim`` with the MiniALBERT's tokenizer, inference options and saved format,
    built from the layer's :class:`~.options.TransformerOptions`. It keeps (and saves) the
    backbone loader's options until the weights are loaded at initialisation; its inference
    ``options`` are its own, changed in place by ``spacy-minialbert quantize``."""

    def __init__(self, options: TransformerOptions) -> None:
        scaler_config = dict(options.grad_scaler_config)
        # As spacy-transformers: scale gradients exactly when mixed precision is on, unless the
        # config says otherwise.
        scaler_config.setdefault("enabled", options.mixed_precision)
        self.slot = TransformerSlot()
        super().__init__(
            self.slot,
            mixed_precision=options.mixed_precision,
            grad_scaler=PyTorchGradScaler(**scaler_config),
        )
        self.tokenizer: Any = None
        self.vocab_file_contents: bytes | None = None
        self.tokenizer_config = dict(options.tokenizer_config)
        self.transformer_config = dict(options.transformer_config)
        self.adapters_only = options.adapters_only
        self.options = options.inference_options()

    @property
    def transformer(self) -> MiniAlbertModel | None:
        return self.slot.transformer

    def set_backbone(
        self,
        transformer: MiniAlbertModel,
        tokenizer: Any,
        vocab: bytes | None,
        *,
        int8: bool = False,
    ) -> None:
        """Give the shim its model and tokenizer (at initialisation, or loading weights); an
        int8 model has nothing to train, adapters included."""
        if self.adapters_only and not int8:
            transformer.train_adapters_only()
        self.slot.transformer = transformer.to(get_torch_default_device())  # type: ignore[arg-type]
        self.tokenizer = tokenizer
        self.vocab_file_contents = vocab

    # int8: see spacy_minialbert.compression.lifecycle.

    @property
    def is_quantized(self) -> bool:
        return self.transformer is not None and is_quantized(self.transformer)

    def quantize(self) -> list[str]:
        """Quantize the linear layers to int8 in place (inference only); returns their names."""
        if self.transformer is None:
            raise ValueError("The transformer has no weights yet: initialise or load it first.")
        return quantize_for_inference(self.transformer)

    def begin_update(self, inputs: ArgsKwargs) -> Any:
        refuse_training(self.slot)
        return super().begin_update(inputs)

    def predict(self, inputs: ArgsKwargs) -> Any:
        model = self.slot.required()
        model.eval()
        try:
            dtype = self.options.compute_dtype(model, model.device)
            with torch.inference_mode(), inference_precision(dtype, model.device):
                return bucketed_forward(model, inputs.args, dict(inputs.kwargs), BUCKET_TOKENS)
        finally:
            model.train()

    # The saved format.

    def to_bytes(self) -> bytes:
        transformer = self.transformer
        if transformer is None:
            # Not initialised yet: keep what initialisation will need.
            return srsly.msgpack_dumps(
                {
                    "format": FORMAT,
                    "config": {},
                    "_init_tokenizer_config": self.tokenizer_config,
                    "_init_transformer_config": self.transformer_config,
                }
            )
        int8_linears = int8_linear_names(transformer)
        msg = {
            "format": FORMAT_INT8 if int8_linears else FORMAT,
            "config": transformer.config.to_dict(),
            "weights": save_safetensors(
                storage_state(transformer.state_dict(), self.options.storage_dtype)
            ),
            "tokenizer": tokenizer_to_files(self.tokenizer, self.vocab_file_contents),
        }
        if int8_linears:
            msg["int8_linears"] = int8_linears
        return srsly.msgpack_dumps(msg)

    def from_bytes(self, bytes_data: bytes) -> MiniAlbertShim:
        msg = srsly.msgpack_loads(bytes_data)
        check_format(msg)
        if not msg["config"]:
            tokenizer_config = msg["_init_tokenizer_config"]
            transformer_config = msg["_init_transformer_config"]
            refuse_remote_code(tokenizer_config, transformer_config)
            self.tokenizer_config = dict(tokenizer_config)
            self.transformer_config = dict(transformer_config)
            return self
        config = cast(MiniAlbertConfig, MiniAlbertConfig.from_dict(msg["config"]))
        transformer = MiniAlbertModel(config)
        install_int8_linears(transformer, msg.get("int8_linears", []))
        transformer.load_state_dict(load_safetensors(msg["weights"]), strict=True)
        device = get_torch_default_device()
        transformer.to(device)  # type: ignore[arg-type]
        int8 = prepare_loaded(transformer, device, quantize=self.options.quantize)
        tokenizer, vocab = tokenizer_from_files(msg["tokenizer"])
        self.set_backbone(transformer, tokenizer, vocab, int8=int8)
        return self


def check_format(msg: Any) -> None:
    """Refuse a message that is not a MiniALBERT transformer this version can read."""
    found = msg.get("format") if isinstance(msg, dict) else None
    if found in FORMATS:
        return
    if str(found or "").startswith("spacy-minialbert/"):
        raise ValueError(
            f"This transformer was saved in format '{found}' by a newer spacy-minialbert; this "
            f"version reads {', '.join(FORMATS)}. Upgrade spacy-minialbert to load it."
        )
    raise ValueError(
        "This transformer was not saved by spacy-minialbert (no 'format' marker); it cannot be "
        "loaded into spacy-minialbert.MiniAlbertTransformer."
    )
