"""Reduced precision: which dtype to compute in and the context that does it, and the
half-precision storage of saved weights.

Computation in bfloat16/float16 uses ``torch.autocast``: matrix products run in half precision
while LayerNorm, softmax and the residual sums stay in float32, which keeps outputs close to the
float32 model. On CPU, bfloat16 is only fast where the hardware multiplies it natively
(AVX512-BF16 or AMX); elsewhere it is emulated and slower than float32.

Saved or packaged pipelines may write their floating tensors as float16 or bfloat16; they are
restored to the model's dtype when the state is loaded (``load_state_dict`` casts on copy), so
only the file shrinks. float16 keeps three more mantissa bits than bfloat16, which matters for
embedding tables, and covers every weight a trained encoder has; a tensor that would overflow it
stays float32. Integer tensors (int8 weights) and quantization scales are written as they are.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch
from torch import Tensor

# The dtypes each option accepts.
DTYPES = {
    "inference": ("float32", "bfloat16", "float16", "auto"),
    "storage": ("float32", "float16", "bfloat16"),
}
# Per-channel scales of int8 weights: tiny, and their precision is the weights' precision.
KEEP_FLOAT32_SUFFIXES = (".weight_scale",)


def check_dtype(kind: str, name: str) -> None:
    """Refuse a ``kind`` ("inference" or "storage") dtype ``name`` that option does not take."""
    if name not in DTYPES[kind]:
        allowed = ", ".join(DTYPES[kind])
        raise ValueError(f"Unknown {kind} dtype '{name}'; expected one of {allowed}.")


def cpu_supports(dtype: torch.dtype) -> bool:
    """Whether this CPU computes ``dtype`` matrix products natively (oneDNN's own check)."""
    mkldnn = torch.ops.mkldnn
    try:
        if dtype == torch.bfloat16:
            return bool(mkldnn._is_mkldnn_bf16_supported())
        if dtype == torch.float16:
            return bool(mkldnn._is_mkldnn_fp16_supported())
    except (AttributeError, RuntimeError):
        return False
    return dtype == torch.float32


def resolve_inference_dtype(name: str, device: torch.device) -> torch.dtype:
    """The dtype to compute in on ``device`` for the user's choice ``name``.

    ``auto``: on a GPU, bfloat16 where supported, else float16; on a CPU, bfloat16 when the CPU
    has native bfloat16 arithmetic, else float32. An explicit half dtype the device cannot
    compute natively is refused rather than silently made slow.
    """
    check_dtype("inference", name)
    if name == "float32":
        return torch.float32
    if device.type == "cuda":
        if name == "auto":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return getattr(torch, name)
    if device.type != "cpu":
        return torch.float32 if name == "auto" else getattr(torch, name)
    if name == "auto":
        return torch.bfloat16 if cpu_supports(torch.bfloat16) else torch.float32
    dtype: torch.dtype = getattr(torch, name)
    if not cpu_supports(dtype):
        raise ValueError(
            f"inference_dtype '{name}' was requested, but this CPU has no native {name} "
            "arithmetic (it would be slower than float32). Use 'auto' to fall back to float32 "
            "on such machines."
        )
    return dtype


def inference_precision(
    dtype: torch.dtype, device: torch.device
) -> contextlib.AbstractContextManager[Any]:
    """Autocast to ``dtype`` on ``device`` (nothing for float32)."""
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def storage_state(state: dict[str, Tensor], storage_dtype: str) -> dict[str, Tensor]:
    """``state`` with its floating tensors in ``storage_dtype``, contiguous, ready for
    safetensors."""
    check_dtype("storage", storage_dtype)
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
