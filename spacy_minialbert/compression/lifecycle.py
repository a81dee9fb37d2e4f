"""The int8 lifecycle of a transformer inside a pipeline: its inference options, quantizing
(once, for inference only), what happens when saved weights are loaded, and the refusal to train
int8 layers.

Training stays float32; ``quantize`` applies when a trained pipeline is loaded, and a pipeline
saved with int8 weights (``spacy-minialbert quantize``) loads them as int8 again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch
from torch import nn

from .int8 import int8_linear_names, quantize_linears
from .precision import check_dtype, resolve_inference_dtype

logger = logging.getLogger(__name__)

HALF_DTYPES = ("bfloat16", "float16")


@dataclass
class InferenceOptions:
    """The architecture's ``quantize`` (int8 linear layers from when weights are loaded),
    ``inference_dtype`` (see :func:`~.precision.resolve_inference_dtype`) and ``storage_dtype``
    (see :func:`~.precision.storage_state`), checked."""

    quantize: bool = False
    inference_dtype: str = "float32"
    storage_dtype: str = "float32"

    def __post_init__(self) -> None:
        check_dtype("inference", self.inference_dtype)
        check_dtype("storage", self.storage_dtype)
        if self.quantize and self.inference_dtype in HALF_DTYPES:
            raise ValueError(
                f"quantize=true runs int8 linear layers on float32 activations; it cannot be "
                f"combined with inference_dtype '{self.inference_dtype}' (use 'float32' or "
                "'auto')."
            )

    def compute_dtype(self, model: nn.Module, device: torch.device) -> torch.dtype:
        """The dtype ``model`` predicts in on ``device``: float32 once it is int8."""
        if is_quantized(model):
            return torch.float32
        return resolve_inference_dtype(self.inference_dtype, device)

    def quantize_from_now_on(self) -> None:
        """Record that the weights are int8, so a saved pipeline loads them as int8 and computes
        in float32 (int8 layers take float32 activations)."""
        self.quantize = True
        if self.inference_dtype in HALF_DTYPES:
            self.inference_dtype = "float32"


def is_quantized(model: nn.Module) -> bool:
    return bool(int8_linear_names(model))


def quantize_for_inference(model: nn.Module) -> list[str]:
    """Quantize ``model``'s linear layers to int8 in place, once, and freeze it (int8 layers
    only predict); returns the names of its int8 layers."""
    if not is_quantized(model):
        quantize_linears(model)
    model.requires_grad_(False)
    return int8_linear_names(model)


def prepare_loaded(model: nn.Module, device: torch.device, *, quantize: bool) -> bool:
    """After saved weights are loaded into ``model`` (on ``device``): quantize them if asked
    (weights saved as int8 stay as they are), and freeze an int8 model. True when it is int8."""
    if not (quantize or is_quantized(model)):
        return False
    quantize_for_inference(model)
    if device.type != "cpu":
        logger.warning(
            "int8 linear layers run on CPU; on %s they fall back to dequantized weights and "
            "gain nothing.",
            device,
        )
    return True


def refuse_training(model: nn.Module) -> None:
    if is_quantized(model):
        raise ValueError(
            "This transformer's linear layers are int8-quantized, which only supports "
            "inference. Train from the float32 pipeline instead."
        )
