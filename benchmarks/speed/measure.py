"""Timing, the rounds' statistics, peak memory and the machine's matmul ceiling."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from statistics import median
from typing import Any

# (M, K, N) of the encoders' products at 8 x 128 tokens, and one large square product.
GEMM_SHAPES = ((1024, 768, 3072), (1024, 3072, 768), (1024, 768, 2304), (2048, 2048, 2048))


def gemm_rate(
    dtype: str = "fp32", shapes: tuple[tuple[int, int, int], ...] = GEMM_SHAPES, repeats: int = 5
) -> float:
    """Best GFLOP/s of ``shapes`` through both kernels PyTorch offers on CPU (MKL's ``mm`` and
    oneDNN's prepacked linear): the machine's practical matmul ceiling."""
    import torch

    torch_dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype]
    best = 0.0
    for m, k, n in shapes:
        a = torch.randn(m, k).to(torch_dtype)
        b = torch.randn(k, n).to(torch_dtype)
        packed = torch.ops.mkldnn._reorder_linear_weight(b.t().contiguous(), None)
        kernels = (
            lambda a=a, b=b: a @ b,
            lambda a=a, w=packed: torch.ops.mkldnn._linear_pointwise(a, w, None, "none", [], ""),
        )
        for kernel in kernels:
            with torch.inference_mode():
                for _ in range(2):
                    kernel()
                start = time.perf_counter()
                for _ in range(repeats):
                    kernel()
                elapsed = (time.perf_counter() - start) / repeats
            best = max(best, 2 * m * n * k / elapsed / 1e9)
    return best


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def timed(call: Callable[[], Any], min_seconds: float) -> tuple[float, int]:
    """Run ``call`` until at least ``min_seconds`` have passed; (seconds, calls)."""
    start = time.perf_counter()
    calls = 0
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed, calls


def spread(values: list[float]) -> float:
    """Half the range relative to the median: how much the rounds disagreed."""
    if len(values) < 2:
        return 0.0
    return (max(values) - min(values)) / 2 / median(values)


def paired_ratio(a: list[float], b: list[float]) -> float | None:
    """Median over rounds of a / b measured in the same round: drift between rounds cancels."""
    if not a or not b or len(a) != len(b):
        return None
    return median([x / y for x, y in zip(a, b, strict=True)])
