"""The Thinc shim holding the MiniALBERT PyTorch model inside a spaCy pipeline.

It differs from spacy-transformers' ``HFShim`` in what it writes and how it predicts: weights
are serialised as safetensors (never pickles), the model is rebuilt from our own config class
(no ``AutoConfig`` round trip), adapter-only training survives save and load, and prediction
runs under ``torch.inference_mode`` on length-sorted buckets of windows, optionally in reduced
precision or with int8 linear layers.

Serialised format: a msgpack map with ``format`` (``spacy-minialbert/1``, or
``spacy-minialbert/2`` when it holds int8 layers, whose names are listed under
``int8_linears``), ``config``, ``weights`` (safetensors; floating tensors possibly stored in half
precision and cast back at load) and ``tokenizer`` (the tokenizer's files, written and read by
:mod:`.tokenizer_files`, which refuses names and options that could escape or run code).
"""

from __future__ import annotations

import logging
from typing import Any, cast

import srsly
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from spacy.util import SimpleFrozenDict
from spacy_transformers.data_classes import HFObjects
from spacy_transformers.layers.hf_shim import HFShim
from thinc.api import get_torch_default_device
from transformers.utils import ModelOutput

from ..compression import (
    check_inference_dtype,
    check_storage_dtype,
    inference_precision,
    install_int8_linears,
    int8_linear_names,
    quantize_linears,
    resolve_inference_dtype,
    storage_state,
)
from ..hf import MiniAlbertConfig, MiniAlbertModel
from .tokenizer_files import refuse_remote_code, tokenizer_from_files, tokenizer_to_files

logger = logging.getLogger(__name__)

FORMAT = "spacy-minialbert/1"
# Written only when the weights hold int8 layers, which a reader of format 1 cannot load.
FORMAT_INT8 = "spacy-minialbert/2"
FORMATS = (FORMAT, FORMAT_INT8)

# Padded tokens per forward call at inference: windows are sorted by length and cut into
# buckets of at most this many (padded) tokens, so short windows are not padded to the longest.
BUCKET_TOKENS = 2048
# Outputs with one entry per position ([batch, seq, ...]) or per row ([batch, ...]).
POSITION_OUTPUTS = ("last_hidden_state", "updates", "remainders")
ROW_OUTPUTS = ("pooler_output",)


class MiniAlbertShim(HFShim):
    """``HFShim`` with safetensors serialisation, adapter-only state and inference options.

    quantize: int8 dynamic quantization of the linear layers (CPU inference), applied when
        weights are loaded; weights saved quantized stay quantized.
    inference_dtype: ``float32``, ``bfloat16``, ``float16`` or ``auto`` (see
        :func:`~spacy_minialbert.compression.resolve_inference_dtype`): autocast at prediction.
    storage_dtype: the dtype floating weights are written in (``float16``/``bfloat16`` halve
        the saved size; they are cast back when loaded).
    """

    def __init__(
        self,
        model: HFObjects,
        *,
        adapters_only: bool = False,
        quantize: bool = False,
        inference_dtype: str = "float32",
        storage_dtype: str = "float32",
        **kwargs: Any,
    ) -> None:
        super().__init__(model, **kwargs)
        self.adapters_only = adapters_only
        self.quantize_at_load = quantize
        self.inference_dtype = check_inference_dtype(inference_dtype)
        self.storage_dtype = check_storage_dtype(storage_dtype)
        if quantize and inference_dtype in ("bfloat16", "float16"):
            raise ValueError(
                f"quantize=true runs int8 linear layers on float32 activations; it cannot be "
                f"combined with inference_dtype '{inference_dtype}' (use 'float32' or 'auto')."
            )

    @property
    def is_quantized(self) -> bool:
        return self._model is not None and bool(int8_linear_names(self._model))

    def quantize(self) -> list[str]:
        """Quantize the linear layers to int8 in place (inference only); returns their names."""
        if self._model is None:
            raise ValueError("The transformer has no weights yet: initialise or load it first.")
        if self.is_quantized:
            return int8_linear_names(self._model)
        replaced = quantize_linears(self._model)
        self._model.requires_grad_(False)
        return replaced

    def begin_update(self, inputs: Any) -> Any:
        if self.is_quantized:
            raise ValueError(
                "This transformer's linear layers are int8-quantized, which only supports "
                "inference. Train from the float32 pipeline instead."
            )
        return super().begin_update(inputs)

    def compute_dtype(self) -> torch.dtype:
        """The dtype prediction computes in on the model's device."""
        if self.is_quantized:
            return torch.float32
        return resolve_inference_dtype(self.inference_dtype, self._model.device)

    def predict(self, inputs: Any) -> Any:
        model = self._model
        model.eval()
        try:
            with (
                torch.inference_mode(),
                inference_precision(self.compute_dtype(), model.device),
            ):
                outputs = bucketed_forward(model, inputs.args, dict(inputs.kwargs), BUCKET_TOKENS)
        finally:
            model.train()
        return outputs

    def to_bytes(self) -> bytes:
        hf_model = self._hfmodel
        if hf_model.transformer is None:
            # Not initialised yet: keep what initialisation will need.
            return srsly.msgpack_dumps(
                {
                    "format": FORMAT,
                    "config": {},
                    "_init_tokenizer_config": hf_model._init_tokenizer_config,
                    "_init_transformer_config": hf_model._init_transformer_config,
                }
            )
        state = storage_state(self._model.state_dict(), self.storage_dtype)
        int8_linears = int8_linear_names(self._model)
        msg = {
            "format": FORMAT_INT8 if int8_linears else FORMAT,
            "config": hf_model.transformer.config.to_dict(),
            "weights": save_safetensors(state),
            "tokenizer": tokenizer_to_files(hf_model.tokenizer, hf_model.vocab_file_contents),
        }
        if int8_linears:
            msg["int8_linears"] = int8_linears
        return srsly.msgpack_dumps(msg)

    def from_bytes(self, bytes_data: bytes) -> MiniAlbertShim:
        msg = srsly.msgpack_loads(bytes_data)
        if msg.get("format") not in FORMATS:
            if str(msg.get("format", "")).startswith("spacy-minialbert/"):
                raise ValueError(
                    f"This transformer was saved in format '{msg['format']}' by a newer "
                    f"spacy-minialbert; this version reads {', '.join(FORMATS)}. Upgrade "
                    "spacy-minialbert to load it."
                )
            raise ValueError(
                "This transformer was not saved by spacy-minialbert (no 'format' marker); "
                "it cannot be loaded into spacy-minialbert.MiniAlbertTransformer."
            )
        if not msg["config"]:
            refuse_remote_code(msg["_init_tokenizer_config"], msg["_init_transformer_config"])
            self._hfmodel = HFObjects(
                None,
                None,
                None,
                msg["_init_tokenizer_config"],
                msg["_init_transformer_config"],
            )
            return self
        config = cast(MiniAlbertConfig, MiniAlbertConfig.from_dict(msg["config"]))
        transformer = MiniAlbertModel(config)
        int8_linears = msg.get("int8_linears", [])
        if int8_linears:
            install_int8_linears(transformer, int8_linears)
        transformer.load_state_dict(load_safetensors(msg["weights"]), strict=True)
        transformer.to(get_torch_default_device())  # type: ignore[arg-type]
        if self.quantize_at_load and not int8_linears:
            quantize_linears(transformer)
        if int8_linears or self.quantize_at_load:
            transformer.requires_grad_(False)
            if transformer.device.type != "cpu":
                logger.warning(
                    "int8 linear layers run on CPU; on %s they fall back to dequantized "
                    "weights and gain nothing.",
                    transformer.device,
                )
        elif self.adapters_only:
            transformer.train_adapters_only()
        tokenizer, vocab = tokenizer_from_files(msg["tokenizer"])
        self._hfmodel = HFObjects(
            tokenizer, transformer, vocab, SimpleFrozenDict(), SimpleFrozenDict()
        )
        self._model = transformer
        return self


def length_buckets(lengths: list[int], max_tokens: int = BUCKET_TOKENS) -> list[list[int]]:
    """Row indices grouped into buckets of similar length, longest first; each bucket holds at
    most ``max_tokens`` tokens once padded to its longest row (and at least one row)."""
    order = sorted(range(len(lengths)), key=lambda row: -lengths[row])
    buckets: list[list[int]] = []
    for row in order:
        if buckets and (len(buckets[-1]) + 1) * lengths[buckets[-1][0]] <= max_tokens:
            buckets[-1].append(row)
        else:
            buckets.append([row])
    return buckets


def bucketed_forward(
    model: torch.nn.Module, args: tuple, kwargs: dict[str, Any], max_tokens: int = BUCKET_TOKENS
) -> Any:
    """``model(*args, **kwargs)`` computed on length-sorted buckets, each trimmed to its own
    longest row, so padding costs little; outputs are reassembled in the original order at
    the original padded length.

    Real positions get the same values as one padded call (up to float rounding: attention
    never lets a real token see padding); positions past a bucket's own length are zeros.
    Falls back to a single call when there is nothing to gain or when hidden states or
    attention maps are asked for.
    """
    input_ids = kwargs.get("input_ids")
    mask = kwargs.get("attention_mask")
    config = getattr(model, "config", None)
    wants_lists = any(
        kwargs.get(name, getattr(config, name, False))
        for name in ("output_hidden_states", "output_attentions")
    )
    if args or input_ids is None or mask is None or input_ids.shape[0] < 2 or wants_lists:
        return _float32(model(*args, **kwargs))
    lengths = [int(n) for n in mask.sum(dim=1).tolist()]
    seq = input_ids.shape[1]
    buckets = length_buckets(lengths, max_tokens)
    if len(buckets) == 1 and lengths[buckets[0][0]] == seq:
        return _float32(model(**kwargs))
    per_row = {k: v for k, v in kwargs.items() if isinstance(v, torch.Tensor) and v.dim() == 2}
    merged: dict[str, torch.Tensor] = {}
    output_type: type = ModelOutput
    for rows in buckets:
        index = torch.tensor(rows, device=input_ids.device)
        width = lengths[rows[0]]
        bucket_kwargs = dict(kwargs)
        for name, tensor in per_row.items():
            bucket_kwargs[name] = tensor.index_select(0, index)[:, :width]
        output = model(**bucket_kwargs)
        output_type = type(output)
        for name in (*POSITION_OUTPUTS, *ROW_OUTPUTS):
            value = output.get(name) if isinstance(output, ModelOutput) else None
            if value is None:
                continue
            value = value.float() if value.is_floating_point() else value
            if name not in merged:
                shape = (input_ids.shape[0], seq, *value.shape[2:])
                if name in ROW_OUTPUTS:
                    shape = (input_ids.shape[0], *value.shape[1:])
                merged[name] = value.new_zeros(shape)
            if name in ROW_OUTPUTS:
                merged[name][index] = value
            else:
                merged[name][index, :width] = value
    return output_type(**merged)


def _float32(output: Any) -> Any:
    """Reduced-precision outputs back in float32, which spaCy's components expect."""
    if isinstance(output, ModelOutput):
        for name, value in output.items():
            if isinstance(value, torch.Tensor) and value.is_floating_point():
                output[name] = value.float()
    return output
