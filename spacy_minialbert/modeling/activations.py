"""Activation modules by their Hugging Face names, built once at construction."""

from __future__ import annotations

from torch import nn


def activation_module(name: str) -> nn.Module:
    """The activation called ``name`` in checkpoint configs.

    ``gelu`` is the exact (erf) GELU; ``gelu_new``, ``gelu_pytorch_tanh`` and ``gelu_fast`` are the
    tanh approximation used by ALBERT v2 and GPT-2, which agree with each other to float rounding.
    """
    if name == "gelu":
        return nn.GELU()
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        return nn.GELU(approximate="tanh")
    if name == "relu":
        return nn.ReLU()
    if name in ("silu", "swish"):
        return nn.SiLU()
    raise ValueError(f"Unknown activation '{name}'.")
