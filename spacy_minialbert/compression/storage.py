"""Half-precision storage of a state dict: what a saved or packaged pipeline writes.

Floating tensors are written as float16 or bfloat16 and restored to the model's dtype when the
state is loaded (``load_state_dict`` casts on copy), so only the file shrinks. float16 keeps
three more mantissa bits than bfloat16, which matters for embedding tables, and covers every
weight a trained encoder has; a tensor that would overflow it stays float32. Integer tensors
(int8 weights) and quantization scales are written as they are.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .precision import check_storage_dtype

# Per-channel scales of int8 weights: tiny, and their precision is the weights' precision.
KEEP_FLOAT32_SUFFIXES = (".weight_scale",)


def storage_state(state: dict[str, Tensor], storage_dtype: str) -> dict[str, Tensor]:
    """``state`` with its floating tensors in ``storage_dtype``, contiguous, ready for
    safetensors."""
    check_storage_dtype(storage_dtype)
    dtype: torch.dtype = getattr(torch, storage_dtype)
    limit = torch.finfo(dtype).max
    stored = {}
    for key, tensor in state.items():
        tensor = tensor.detach()
        if (
            dtype != torch.float32
            and tensor.is_floating_point()
            and not key.endswith(KEEP_FLOAT32_SUFFIXES)
            and (tensor.numel() == 0 or float(tensor.abs().max()) <= limit)
        ):
            tensor = tensor.to(dtype)
        stored[key] = tensor.contiguous()
    return stored


def state_bytes(state: dict[str, Tensor]) -> int:
    """Bytes the tensors of ``state`` occupy (what the weights cost on disk)."""
    return sum(tensor.numel() * tensor.element_size() for tensor in state.values())
