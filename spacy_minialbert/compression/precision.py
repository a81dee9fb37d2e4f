"""Reduced-precision inference: which dtype to compute in, and the context that does it.

Computation in bfloat16/float16 uses ``torch.autocast``: matrix products run in half precision
while LayerNorm, softmax and the residual sums stay in float32, which keeps outputs close to the
float32 model. On CPU, bfloat16 is only fast where the hardware multiplies it natively
(AVX512-BF16 or AMX); elsewhere it is emulated and slower than float32.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

INFERENCE_DTYPES = ("float32", "bfloat16", "float16", "auto")
STORAGE_DTYPES = ("float32", "float16", "bfloat16")


def check_inference_dtype(name: str) -> str:
    if name not in INFERENCE_DTYPES:
        raise ValueError(
            f"Unknown inference dtype '{name}'; expected one of {', '.join(INFERENCE_DTYPES)}."
        )
    return name


def check_storage_dtype(name: str) -> str:
    if name not in STORAGE_DTYPES:
        raise ValueError(
            f"Unknown storage dtype '{name}'; expected one of {', '.join(STORAGE_DTYPES)}."
        )
    return name


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
    check_inference_dtype(name)
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


@contextlib.contextmanager
def inference_precision(dtype: torch.dtype, device: torch.device) -> Iterator[None]:
    """Autocast to ``dtype`` on ``device`` (nothing for float32)."""
    if dtype == torch.float32:
        yield
        return
    with torch.autocast(device_type=device.type, dtype=dtype):
        yield
